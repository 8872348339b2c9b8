/* replay.c - run a libFuzzer entry point over every file of corpus directories, so
 * `make check` replays the corpora (and every past crash) without clang.
 *
 * Each input runs in a child process with a time limit, so a crash, a sanitizer report,
 * an abort or a hang on one input is counted against that input (and named) while the
 * others still run. Exit status: 0 only when every input passed and there were inputs. */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define INPUT_MAX (1u << 24)
#define SECONDS_MAX 60

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Run one input in a child; return 0 when it passed, else print why and return 1. */
static int run_one(const char *path)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("replay: fork");
        return 1;
    }
    if (pid == 0) {
        FILE *f = fopen(path, "rb");
        if (!f)
            _exit(3);
        uint8_t *buf = malloc(INPUT_MAX);
        if (!buf)
            _exit(3);
        size_t n = fread(buf, 1, INPUT_MAX, f);
        fclose(f);
        alarm(SECONDS_MAX);
        LLVMFuzzerTestOneInput(buf, n);
        free(buf);
        exit(0); /* exit, not _exit: LeakSanitizer runs at exit */
    }
    int st;
    if (waitpid(pid, &st, 0) < 0) {
        perror("replay: waitpid");
        return 1;
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return 0;
    if (WIFSIGNALED(st))
        fprintf(stderr, "FAIL %s: killed by signal %d%s\n", path, WTERMSIG(st),
                WTERMSIG(st) == SIGALRM ? " (over the time limit: a hang)" : "");
    else
        fprintf(stderr, "FAIL %s: exit %d\n", path, WEXITSTATUS(st));
    return 1;
}

int main(int argc, char **argv)
{
    int passed = 0, failed = 0;
    for (int a = 1; a < argc; a++) {
        DIR *d = opendir(argv[a]);
        if (!d) {
            fprintf(stderr, "replay: cannot open '%s'\n", argv[a]);
            return 1;
        }
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[a], e->d_name);
            if (run_one(path))
                failed++;
            else
                passed++;
        }
        closedir(d);
    }
    printf("fuzz replay %s: %d passed, %d failed\n", argc > 1 ? argv[1] : "", passed, failed);
    return failed || !passed ? 1 : 0;
}
