/* berthd.c: the daemon's entry point (being built). */
#include <stdio.h>

int
main(void)
{
	fprintf(stderr, "berthd: not yet\n");
	return 1;
}
