// SPDX-License-Identifier: GPL-2.0
/* Load for the exporter benchmark: openat(2)s of missing files at a steady rate.
 *
 * usage: load RATE SECONDS NAMES PREFIX
 * Waits for a byte on stdin (so the exporter can be pointed at this pid first), then opens
 * PREFIX<i % NAMES> RATE times a second for SECONDS, in 1 ms slices, and prints how many it opened.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long rate, done = 0, names, i;
	double seconds, start, t;
	char path[4096], go;

	if (argc != 5) {
		fprintf(stderr, "usage: %s RATE SECONDS NAMES PREFIX\n", argv[0]);
		return 2;
	}
	rate = atol(argv[1]);
	seconds = atof(argv[2]);
	names = atol(argv[3]);
	if (read(0, &go, 1) != 1)
		return 1;
	start = now();
	for (t = start; t - start < seconds; t = now()) {
		long due = (long)((t - start) * rate);

		for (; done < due; done++) {
			i = done % names;
			snprintf(path, sizeof(path), "%s%ld", argv[4], i);
			int fd = open(path, O_RDONLY);
			if (fd >= 0)
				close(fd);
		}
		struct timespec slice = { 0, 1000000 };
		nanosleep(&slice, NULL);
	}
	printf("%ld\n", done);
	return 0;
}
