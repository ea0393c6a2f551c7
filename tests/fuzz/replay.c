/*
 * replay.c - run a fuzz target over files, without a fuzzing engine.
 *
 * usage: replay_<target> PATH...
 * Each PATH is a file (one input) or a directory (every regular file in
 * it, in name order, so runs are reproducible).  The target is called
 * once per input; a crash, a sanitizer report or a leak fails the test as
 * it would under libFuzzer.  Exits 1 if a path cannot be read or no input
 * was found (an empty corpus is a mistake, not a pass).
 */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		perror(path);
		return -1;
	}
	size_t cap = 4096, n = 0, got;
	unsigned char *buf = malloc(cap);
	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			unsigned char *bigger = realloc(buf, cap *= 2);
			if (bigger == NULL)
				free(buf);
			buf = bigger;
		}
	}
	int bad = ferror(f) || buf == NULL;
	fclose(f);
	if (bad) {
		fprintf(stderr, "%s: read error\n", path);
		free(buf);
		return -1;
	}
	/* An exact-size copy, so that reading past the input is caught. */
	unsigned char *input = malloc(n ? n : 1);
	if (input == NULL)
		abort();
	memcpy(input, buf, n);
	free(buf);
	LLVMFuzzerTestOneInput(input, n);
	free(input);
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int main(int argc, char **argv)
{
	unsigned long inputs = 0;
	int failed = 0;
	for (int i = 1; i < argc; i++) {
		struct stat sb;
		if (stat(argv[i], &sb) != 0) {
			perror(argv[i]);
			failed = 1;
			continue;
		}
		if (!S_ISDIR(sb.st_mode)) {
			failed |= run_file(argv[i]) != 0;
			inputs++;
			continue;
		}
		struct dirent **names = NULL;
		int n = scandir(argv[i], &names, NULL, by_name);
		if (n < 0) {
			perror(argv[i]);
			failed = 1;
			continue;
		}
		for (int j = 0; j < n; j++) {
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s", argv[i], names[j]->d_name);
			if (names[j]->d_name[0] != '.' && stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
				failed |= run_file(path) != 0;
				inputs++;
			}
			free(names[j]);
		}
		free(names);
	}
	printf("%lu inputs replayed\n", inputs);
	if (inputs == 0) {
		fputs("no inputs: give corpus files or directories\n", stderr);
		return 1;
	}
	return failed;
}
