/*
 * callpath-hook.c: the -finstrument-functions hooks for scripts/callpath.sh,
 * built as a shared object and LD_PRELOADed into an instrumented berthd
 * (glibc's own empty __cyg_profile_func_* are overridden). Not part of
 * berthd. While the file $CALLPATH_DIR/on exists (looked at no more than
 * every 5 ms), each thread appends "E|X offset" lines, the function's
 * offset in the executable, to $CALLPATH_DIR/trace.<tid>.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

static const char *dir;
static int inited;
static volatile int on;
static volatile long last_ms;
static __thread FILE *tf;
static __thread int busy;

__attribute__((no_instrument_function)) static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

__attribute__((no_instrument_function)) static void
hook(char kind, void *fn)
{
	char path[4096];
	Dl_info di;
	long t;

	if (busy)
		return;
	busy = 1;
	if (!inited) {
		dir = getenv("CALLPATH_DIR");
		inited = 1;
	}
	if (dir == NULL)
		goto out;
	t = now_ms();
	if (t - last_ms >= 5) {
		last_ms = t;
		snprintf(path, sizeof(path), "%s/on", dir);
		on = access(path, F_OK) == 0;
	}
	if (!on) {
		if (tf != NULL)
			fflush(tf);
		goto out;
	}
	if (tf == NULL) {
		snprintf(path, sizeof(path), "%s/trace.%ld", dir,
		    (long)syscall(SYS_gettid));
		tf = fopen(path, "a");
		if (tf == NULL)
			goto out;
	}
	if (dladdr(fn, &di) == 0 || di.dli_fbase == NULL)
		goto out;
	fprintf(tf, "%c %lx\n", kind,
	    (unsigned long)((char *)fn - (char *)di.dli_fbase));
	fflush(tf);
out:
	busy = 0;
}

__attribute__((no_instrument_function)) void
__cyg_profile_func_enter(void *fn, void *site)
{
	hook('E', fn);
}

__attribute__((no_instrument_function)) void
__cyg_profile_func_exit(void *fn, void *site)
{
	hook('X', fn);
}
