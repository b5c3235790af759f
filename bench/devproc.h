/* SPDX-License-Identifier: MIT */
/* A fakegpu-device process for the benchmarks that drive a built binary. */
#ifndef BENCH_DEVPROC_H
#define BENCH_DEVPROC_H

#include <sys/types.h>

/* Run @argv (argv[0] is the binary), its stdout and stderr into @log; its pid or -1. */
pid_t devproc_start(char *const argv[], const char *log);
/* SIGTERM to @pid and wait for it to exit; nothing if @pid <= 0. */
void devproc_stop(pid_t pid);

#endif /* BENCH_DEVPROC_H */
