// SPDX-License-Identifier: MIT
/*
 * Fault SPECs: "NAME", "NAME=VALUE" or "NAME=HEAD:VALUE" (fault.h). Every
 * number is checked in full: digits only (MASK may be 0x-hexadecimal), no
 * sign, no blanks, within its range; what is wrong is said together with
 * what is allowed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"

enum arg_form {
	ARG_NONE,	/* NAME */
	ARG_VALUE,	/* NAME=VALUE */
	ARG_HEAD,	/* NAME=HEAD */
	ARG_HEAD_VALUE,	/* NAME=HEAD:VALUE */
};

struct fault_desc {
	enum fg_fault_kind kind;
	const char *name;
	enum arg_form form;
	const char *syntax;	/* "irq-bits=MASK" */
	const char *value_rule;	/* what VALUE may be */
	uint32_t min, max;	/* VALUE's range */
	bool hex;		/* VALUE may be 0x-hexadecimal */
};

static const struct fault_desc faults[] = {
	{ FG_FAULT_IRQ_BITS, "irq-bits", ARG_VALUE, "irq-bits=MASK",
	  "MASK, a nonzero 32-bit number (0x1..0xffffffff, or decimal)", 1, UINT32_MAX, true },
	{ FG_FAULT_FRAME_STALL, "frame-stall", ARG_HEAD, "frame-stall=HEAD", NULL, 0, 0, false },
	{ FG_FAULT_FRAME_JUMP, "frame-jump", ARG_HEAD_VALUE, "frame-jump=HEAD:N",
	  "N, frames, 1..2147483647", 1, 0x7fffffffu, false },
	{ FG_FAULT_AGE_BEHIND, "age-behind", ARG_HEAD_VALUE, "age-behind=HEAD:MS",
	  "MS, milliseconds, 1..4294967295", 1, UINT32_MAX, false },
	{ FG_FAULT_IRQ_STOP, "irq-stop", ARG_NONE, "irq-stop", NULL, 0, 0, false },
	{ FG_FAULT_NO_LATCH, "no-latch", ARG_HEAD, "no-latch=HEAD", NULL, 0, 0, false },
	{ FG_FAULT_EXIT_ON_COMMIT, "exit-on-commit", ARG_VALUE, "exit-on-commit=N",
	  "N, commits, 1..4294967295", 1, UINT32_MAX, false },
	{ FG_FAULT_HEADS, "heads", ARG_VALUE, "heads=N",
	  "N, the head count to report, 0..4294967295", 0, UINT32_MAX, false },
	{ FG_FAULT_VRAM_MB, "vram-mb", ARG_VALUE, "vram-mb=N",
	  "N, the VRAM MiB to report, 0..4294967295", 0, UINT32_MAX, false },
	{ FG_FAULT_EDID_SIZE, "edid-size", ARG_VALUE, "edid-size=N",
	  "N, the EDID bytes to report, 0..4294967295", 0, UINT32_MAX, false },
};

#define NFAULTS		(sizeof(faults) / sizeof(faults[0]))
#define FAULT_LIST	"irq-bits=MASK, frame-stall=HEAD, frame-jump=HEAD:N, " \
			"age-behind=HEAD:MS, irq-stop, no-latch=HEAD, exit-on-commit=N; " \
			"at startup only: heads=N, vram-mb=N, edid-size=N"

const char fg_fault_usage[] =
	"  irq-bits=MASK        every interrupt also sets MASK (nonzero, 0x.. or decimal)\n"
	"  frame-stall=HEAD     HEAD's frame counter and vblank time stop\n"
	"  frame-jump=HEAD:N    at HEAD's next vblank its frame counter jumps N more (1..2^31-1)\n"
	"  age-behind=HEAD:MS   HEAD's vblank timestamps read MS ms in the past\n"
	"  irq-stop             no interrupt is signalled\n"
	"  no-latch=HEAD        HEAD's commits never latch\n"
	"  exit-on-commit=N     exit with status 3 at the Nth commit from now (N >= 1)\n"
	"  heads=N, vram-mb=N, edid-size=N   NUM_HEADS, VRAM_SIZE, EDID_SIZE read N\n"
	"                       (startup only)\n";

static const struct fault_desc *desc_of(enum fg_fault_kind kind)
{
	for (size_t i = 0; i < NFAULTS; i++)
		if (faults[i].kind == kind)
			return &faults[i];
	return NULL;
}

const char *fg_fault_name(enum fg_fault_kind kind)
{
	const struct fault_desc *d = desc_of(kind);

	return d ? d->name : "?";
}

bool fg_fault_startup_only(enum fg_fault_kind kind)
{
	return kind == FG_FAULT_HEADS || kind == FG_FAULT_VRAM_MB || kind == FG_FAULT_EDID_SIZE;
}

/*
 * The whole of [@s, @end) as a number from @min to @max: decimal digits, or
 * with @hex "0x"/"0X" and hexadecimal digits. False if anything else.
 */
static bool parse_u32(const char *s, const char *end, bool hex, uint32_t min, uint32_t max,
		      uint32_t *out)
{
	char buf[24], *stop;
	size_t n = (size_t)(end - s);
	unsigned long long v;
	int base = 10;
	const char *digits;

	if (!n || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	digits = buf;
	if (hex && n > 2 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X')) {
		base = 16;
		digits = buf + 2;
	}
	/* strtoull would take blanks, a sign and (base 16) a second "0x". */
	for (const char *p = digits; *p; p++)
		if (!(base == 16 ? strchr("0123456789abcdefABCDEF", *p) : strchr("0123456789", *p)))
			return false;
	if (!*digits)
		return false;
	errno = 0;
	v = strtoull(digits, &stop, base);
	if (errno || *stop || v < min || v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* HEAD in [@s, @end): a number below @heads (any u32 when @heads is 0). */
static int parse_head(const struct fault_desc *d, const char *s, const char *end,
		      unsigned int heads, unsigned int *head, char *err, size_t errlen)
{
	int len = (int)(end - s > 32 ? 32 : end - s);	/* quoted at most */
	uint32_t v;

	if (!parse_u32(s, end, false, 0, UINT32_MAX, &v)) {
		if (heads)
			snprintf(err, errlen, "%s wants %s, HEAD a head number (0..%u), not '%.*s'",
				 d->name, d->syntax, heads - 1, len, s);
		else
			snprintf(err, errlen, "%s wants %s, HEAD a head number, not '%.*s'",
				 d->name, d->syntax, len, s);
		return -1;
	}
	if (heads && v >= heads) {
		snprintf(err, errlen, "no head %u (heads: 0..%u)", v, heads - 1);
		return -1;
	}
	*head = v;
	return 0;
}

int fg_fault_parse(const char *spec, unsigned int heads, struct fg_fault *f,
		   char *err, size_t errlen)
{
	const char *eq = strchr(spec, '='), *arg, *end, *colon;
	size_t nlen = eq ? (size_t)(eq - spec) : strlen(spec);
	const struct fault_desc *d = NULL;

	for (size_t i = 0; i < NFAULTS; i++)
		if (strlen(faults[i].name) == nlen && !strncmp(faults[i].name, spec, nlen))
			d = &faults[i];
	if (!d) {
		snprintf(err, errlen, "unknown fault '%.*s' (faults: " FAULT_LIST ")",
			 (int)(nlen > 32 ? 32 : nlen), spec);
		return -1;
	}
	*f = (struct fg_fault){ .kind = d->kind };
	if (d->form == ARG_NONE) {
		if (eq) {
			snprintf(err, errlen, "%s takes no value: %s", d->name, d->syntax);
			return -1;
		}
		return 0;
	}
	if (!eq) {
		snprintf(err, errlen, "%s wants a value: %s", d->name, d->syntax);
		return -1;
	}
	arg = eq + 1;
	end = arg + strlen(arg);
	switch (d->form) {
	case ARG_HEAD:
		return parse_head(d, arg, end, heads, &f->head, err, errlen);
	case ARG_HEAD_VALUE:
		colon = strchr(arg, ':');
		if (!colon) {
			snprintf(err, errlen, "%s wants %s, not '%.32s'", d->name, d->syntax, arg);
			return -1;
		}
		if (parse_head(d, arg, colon, heads, &f->head, err, errlen))
			return -1;
		arg = colon + 1;
		break;
	default:
		break;
	}
	if (!parse_u32(arg, end, d->hex, d->min, d->max, &f->value)) {
		snprintf(err, errlen, "%s wants %s, %s, not '%.32s'", d->name, d->syntax,
			 d->value_rule, arg);
		return -1;
	}
	return 0;
}
