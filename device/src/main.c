// SPDX-License-Identifier: MIT
/*
 * fakegpu-device: the emulated GPU as a vfio-user server.
 *
 *   fakegpu-device --socket PATH [--profile t4-1b|t4-2b|virt] [--vram MB]
 *                  [--heads N] [--ctl PATH] [--pidfile FILE] [--verbose]
 *                  [--socket-mode MODE] [--socket-group GROUP] [--fault SPEC]...
 *
 * Two threads, each with one poll() loop, neither waiting for a peer:
 *   - the transport thread (main): the vfio-user listen and client sockets
 *     and a signalfd for SIGTERM/SIGINT (clean exit, sockets unlinked). It
 *     answers every register access; it never composes a frame.
 *   - the display thread: a timerfd armed to the engine's next vblank, an
 *     eventfd the engine pokes when a register write moved that deadline
 *     earlier (and the transport pokes to stop it), the control socket and
 *     its connections (poll() sleeps no longer than their next deadline).
 *     Vblanks, latching, composition, CRC, writeback and screenshots run
 *     here.
 * The engine's mutex (engine.h) is what they share; it is never held while
 * a frame is composed. Owned by the transport thread: the vfio-user server
 * (fg_vfu_status() is safe from the other). Owned by the display thread: the
 * timerfd and the control socket. Both: the engine and the PCI function
 * (pci.c, its interrupt lock).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "engine.h"
#include "fakegpu_abi.h"
#include "fault.h"
#include "pci.h"
#include "sock.h"
#include "vfu.h"

/* --fault options at most (each is one fault; more would be a mistake). */
#define MAX_FAULT_ARGS	64

struct device {
	struct fg_pci *pci;
	struct fg_vfu_server *vfu;
	struct fg_ctl *ctl;
	int timer_fd, signal_fd;
	int wake_fd;			/* eventfd: wake the display thread */
	atomic_bool stop;		/* the display thread ends */
	pthread_t display;
	bool display_started;
	const char *pidfile;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: fakegpu-device --socket PATH [--profile NAME] [--vram MB] [--heads N]\n"
		"                      [--ctl PATH] [--pidfile FILE] [--verbose]\n"
		"                      [--socket-mode MODE] [--socket-group GROUP]\n"
		"                      [--fault SPEC]...\n"
		"  --socket PATH   vfio-user socket QEMU connects to (vfio-user-pci socket=)\n"
		"  --profile NAME  PCI identity: %s (default t4-1b)\n"
		"  --vram MB       VRAM (BAR2) size, a power of two from %u to %u MiB\n"
		"  --heads N       display heads, 1 to %u\n"
		"  --ctl PATH      control socket for fakegpu-ctl\n"
		"  --pidfile FILE  write the process id to FILE\n"
		"  --verbose       log every vfio-user error and interrupt setup\n"
		"  --socket-mode MODE    permissions of both sockets (octal, default 0600:\n"
		"                  only this uid and root may connect); a mode that grants\n"
		"                  group or other access admits other uids\n"
		"  --socket-group GROUP  group of both sockets (with --socket-mode 0660)\n"
		"  --fault SPEC    inject a fault (repeatable; at run time: fakegpu-ctl fault):\n"
		"%s",
		fg_pci_profile_names(), FAKEGPU_VRAM_MIN >> 20, FAKEGPU_VRAM_MAX_MB,
		FAKEGPU_MAX_HEADS, fg_fault_usage);
}

static int parse_uint(const char *s, const char *what, unsigned long max,
		      unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > max) {
		fprintf(stderr, "fakegpu-device: invalid %s '%s'\n", what, s);
		return -1;
	}
	*out = v;
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void arm_timer(struct device *d)
{
	uint64_t dl = fg_engine_next_deadline(fg_pci_engine(d->pci));
	struct itimerspec its = { 0 };

	if (dl != UINT64_MAX) {
		if (dl == 0)
			dl = 1;		/* 0 would disarm */
		its.it_value.tv_sec = (time_t)(dl / 1000000000ull);
		its.it_value.tv_nsec = (long)(dl % 1000000000ull);
	}
	if (timerfd_settime(d->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) != 0)
		fprintf(stderr, "fakegpu-device: timerfd_settime: %s\n", strerror(errno));
}

static void status_lines(void *opaque, FILE *out)
{
	struct device *d = opaque;

	fg_vfu_status(d->vfu, out);
	fg_pci_status(d->pci, out);
}

/*
 * The exit-on-commit fault's end of the process, from whichever thread
 * received the commit (the engine's mutex held): at once, as a device that
 * dies would, the sockets left behind (the next start replaces them as
 * stale); the pidfile goes, it would name a dead process.
 */
static void fault_exit(void *opaque, const char *why)
{
	const struct device *d = opaque;

	fprintf(stderr, "fakegpu-device: %s\n", why);
	if (d->pidfile)
		unlink(d->pidfile);
	_exit(FG_FAULT_EXIT_STATUS);
}

/* Engine wake callback, any thread: the display loop re-reads the deadline. */
static void wake_display(void *opaque)
{
	struct device *d = opaque;
	uint64_t one = 1;

	/* EAGAIN: the counter is already non-zero, the loop will wake. */
	if (write(d->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		fprintf(stderr, "fakegpu-device: waking the display thread: %s\n",
			strerror(errno));
}

static void stop_display(struct device *d)
{
	if (!d->display_started)
		return;
	atomic_store(&d->stop, true);
	wake_display(d);
	pthread_join(d->display, NULL);
	d->display_started = false;
}

static void cleanup(struct device *d)
{
	stop_display(d);
	fg_ctl_free(d->ctl);
	fg_vfu_server_free(d->vfu);
	fg_pci_free(d->pci);
	if (d->timer_fd >= 0)
		close(d->timer_fd);
	if (d->signal_fd >= 0)
		close(d->signal_fd);
	if (d->wake_fd >= 0)
		close(d->wake_fd);
	if (d->pidfile)
		unlink(d->pidfile);
}

/* The pidfile is opened without following a symlink at @path. */
static int write_pidfile(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	bool ok;

	if (fd < 0 && errno == ELOOP) {
		fprintf(stderr, "fakegpu-device: pidfile %s is a symbolic link; not following it "
			"(remove it, or give the path it points to)\n", path);
		return -1;
	}
	ok = fd >= 0 && write(fd, buf, (size_t)len) == len;
	if (fd >= 0 && close(fd) != 0)
		ok = false;
	if (!ok) {
		fprintf(stderr, "fakegpu-device: cannot write pidfile %s: %s\n",
			path, strerror(errno));
		return -1;
	}
	return 0;
}

/* poll() timeout in ms until @deadline (ns, UINT64_MAX: none): -1 for none. */
static int poll_timeout(uint64_t deadline)
{
	uint64_t now = now_ns(), ms;

	if (deadline == UINT64_MAX)
		return -1;
	if (deadline <= now)
		return 0;
	ms = (deadline - now + 999999) / 1000000;	/* never wake up early */
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

static void drain(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		fprintf(stderr, "fakegpu-device: read: %s\n", strerror(errno));
}

/* The display thread: vblanks and everything composed, the control socket. */
static void *display_main(void *arg)
{
	struct device *d = arg;
	struct fg_engine *e = fg_pci_engine(d->pci);

	while (!atomic_load(&d->stop)) {
		struct pollfd pf[2 + FG_CTL_MAX_POLLFDS];
		int n = 0, i_timer, i_wake, i_ctl = -1, n_ctl = 0, timeout = -1;

		arm_timer(d);
		pf[i_timer = n++] = (struct pollfd){ .fd = d->timer_fd, .events = POLLIN };
		pf[i_wake = n++] = (struct pollfd){ .fd = d->wake_fd, .events = POLLIN };
		if (d->ctl) {
			i_ctl = n;
			n_ctl = (int)fg_ctl_pollfds(d->ctl, pf + n, FG_CTL_MAX_POLLFDS);
			n += n_ctl;
			timeout = poll_timeout(fg_ctl_next_deadline(d->ctl));
		}
		if (poll(pf, (nfds_t)n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "fakegpu-device: display thread: poll: %s\n", strerror(errno));
			break;
		}
		if (pf[i_timer].revents & POLLIN)
			drain(d->timer_fd);
		if (pf[i_wake].revents & POLLIN)
			drain(d->wake_fd);
		/* Cheap when nothing is due; also catches a deadline of "now". */
		if (fg_engine_next_deadline(e) <= now_ns())
			fg_engine_run(e, now_ns());
		if (d->ctl)	/* also when only a connection deadline passed */
			fg_ctl_dispatch(d->ctl, pf + i_ctl, (unsigned int)n_ctl, now_ns());
	}
	return NULL;
}

/* The transport thread: vfio-user and signals. */
static int run(struct device *d)
{
	int err = pthread_create(&d->display, NULL, display_main, d);

	if (err) {
		fprintf(stderr, "fakegpu-device: cannot start the display thread: %s\n",
			strerror(err));
		return -1;
	}
	d->display_started = true;
	for (;;) {
		struct pollfd pf[3];
		int n = 0, i_sig, i_listen, i_client = -1;

		pf[i_sig = n++] = (struct pollfd){ .fd = d->signal_fd, .events = POLLIN };
		pf[i_listen = n++] = (struct pollfd){ .fd = fg_vfu_listen_fd(d->vfu), .events = POLLIN };
		if (vfu_client_fd(d->vfu) >= 0)
			pf[i_client = n++] = (struct pollfd){ .fd = vfu_client_fd(d->vfu), .events = POLLIN };

		if (poll(pf, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "fakegpu-device: poll: %s\n", strerror(errno));
			return -1;
		}
		if (pf[i_sig].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(d->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				fprintf(stderr, "fakegpu-device: signal %u, exiting\n", si.ssi_signo);
				return 0;
			}
		}
		if (i_client >= 0 && pf[i_client].revents)
			vfu_client_io(d->vfu);
		if (pf[i_listen].revents & POLLIN)
			fg_vfu_accept(d->vfu);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "profile", required_argument, NULL, 'p' },
		{ "vram", required_argument, NULL, 'm' },
		{ "heads", required_argument, NULL, 'n' },
		{ "ctl", required_argument, NULL, 'c' },
		{ "pidfile", required_argument, NULL, 'P' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "socket-mode", required_argument, NULL, 'M' },
		{ "socket-group", required_argument, NULL, 'G' },
		{ "fault", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = NULL, *ctl_path = NULL, *profile = "t4-1b";
	struct device d = { .timer_fd = -1, .signal_fd = -1, .wake_fd = -1 };
	struct fg_pci_config pc = { 0 };
	struct fg_sock_access acc = FG_SOCK_ACCESS_INIT;
	bool verbose = false;
	const char *faults[MAX_FAULT_ARGS];
	unsigned int nfaults = 0;
	struct fg_fault fault;
	char err[320];
	unsigned long v;
	sigset_t mask;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 's': sock = optarg; break;
		case 'p': profile = optarg; break;
		case 'm':
			if (parse_uint(optarg, "--vram", UINT32_MAX, &v))
				return 2;
			pc.vram_mb = (uint32_t)v;
			if (!pc.vram_mb) {
				fprintf(stderr, "fakegpu-device: --vram must not be 0\n");
				return 2;
			}
			break;
		case 'n':
			if (parse_uint(optarg, "--heads", UINT_MAX, &v))
				return 2;
			if (v < 1 || v > FAKEGPU_MAX_HEADS) {
				fprintf(stderr, "fakegpu-device: --heads must be 1 to %u\n",
					FAKEGPU_MAX_HEADS);
				return 2;
			}
			pc.heads = (unsigned int)v;
			break;
		case 'c': ctl_path = optarg; break;
		case 'P': d.pidfile = optarg; break;
		case 'v': verbose = true; break;
		case 'M':
			if (fg_sock_parse_mode(optarg, &acc.mode)) {
				fprintf(stderr, "fakegpu-device: --socket-mode wants an octal mode up to 0777, not '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'G':
			if (fg_sock_parse_group(optarg, &acc.gid)) {
				fprintf(stderr, "fakegpu-device: --socket-group: no group '%s'\n", optarg);
				return 2;
			}
			break;
		case 'F':
			/* The head numbers are checked once the device exists. */
			if (fg_fault_parse(optarg, 0, &fault, err, sizeof(err))) {
				fprintf(stderr, "fakegpu-device: --fault %s: %s\n", optarg, err);
				usage(stderr);
				return 2;
			}
			if (nfaults == MAX_FAULT_ARGS) {
				fprintf(stderr, "fakegpu-device: more than %u --fault options\n",
					MAX_FAULT_ARGS);
				return 2;
			}
			faults[nfaults++] = optarg;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || !sock) {
		if (!sock)
			fprintf(stderr, "fakegpu-device: --socket PATH is required\n");
		else
			fprintf(stderr, "fakegpu-device: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	pc.profile = fg_pci_profile_find(profile);
	if (!pc.profile) {
		fprintf(stderr, "fakegpu-device: unknown profile '%s' (known: %s)\n",
			profile, fg_pci_profile_names());
		return 2;
	}

	/* Signals arrive on a descriptor: no handler, no global flag. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) != 0 ||
	    (d.signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		fprintf(stderr, "fakegpu-device: signalfd: %s\n", strerror(errno));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);

	d.timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (d.timer_fd < 0) {
		fprintf(stderr, "fakegpu-device: timerfd: %s\n", strerror(errno));
		cleanup(&d);
		return 1;
	}
	d.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d.wake_fd < 0) {
		fprintf(stderr, "fakegpu-device: eventfd: %s\n", strerror(errno));
		cleanup(&d);
		return 1;
	}
	pc.wake = wake_display;
	pc.wake_opaque = &d;
	pc.fault_exit = fault_exit;
	pc.fault_exit_opaque = &d;
	d.pci = fg_pci_new(&pc);
	if (!d.pci) {
		cleanup(&d);
		return 1;
	}
	/* Before anyone can connect: the identity lies are allowed now only. */
	for (unsigned int i = 0; i < nfaults; i++) {
		if (fg_engine_fault(fg_pci_engine(d.pci), faults[i], true, err, sizeof(err))) {
			fprintf(stderr, "fakegpu-device: --fault %s: %s\n", faults[i], err);
			usage(stderr);
			cleanup(&d);
			return 2;
		}
	}
	d.vfu = fg_vfu_server_new(fg_pci_vfu_ops(), d.pci, verbose);
	if (!d.vfu) {
		fprintf(stderr, "fakegpu-device: out of memory\n");
		cleanup(&d);
		return 1;
	}
	if (fg_vfu_listen(d.vfu, sock, &acc) != 0) {
		cleanup(&d);
		return 1;
	}
	if (ctl_path) {
		d.ctl = fg_ctl_new(ctl_path, &acc, fg_pci_engine(d.pci), status_lines, &d);
		if (!d.ctl) {
			cleanup(&d);
			return 1;
		}
	}
	if (d.pidfile && write_pidfile(d.pidfile) != 0) {
		d.pidfile = NULL;
		cleanup(&d);
		return 1;
	}

	{
		const struct fg_pci_profile *pr = fg_pci_profile(d.pci);
		unsigned int heads = fg_pci_heads(d.pci);

		printf("fakegpu-device: listening on %s (profile %s, %04x:%04x, VRAM %" PRIu64
		       " MiB, %u head%s)\n", sock, pr->name, pr->vendor, pr->device,
		       fg_pci_vram_size(d.pci) >> 20, heads, heads == 1 ? "" : "s");
		fflush(stdout);
	}

	ret = run(&d);
	cleanup(&d);
	return ret ? 1 : 0;
}
