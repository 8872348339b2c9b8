/* bare.c - the baseline for `make bench`: a bare libmicrohttpd server, configured as
 * `teemed serve` is (internal polling threads, epoll, keep-alive, answering at the last
 * call), that answers every GET with the same bytes (a file given on the command line).
 * What teemed serve does beyond it - routing, input checks, workers, the store - is the
 * difference the bench measures.
 *   bare PORT THREADS FILE    (PORT 0: any free port; the port is printed on stdout) */
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *body;
static size_t len;

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void)cls, (void)url, (void)method, (void)version, (void)upload, (void)upload_size;
    if (!*con_cls) { /* the first call: headers only; answering now would close the connection */
        *con_cls = c;
        return MHD_YES;
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    enum MHD_Result res = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return res;
}

int main(int argc, char **argv)
{
    if (argc != 4)
        return 2;
    signal(SIGPIPE, SIG_IGN);
    FILE *f = fopen(argv[3], "rb");
    if (!f)
        return 3;
    body = malloc(1 << 20);
    len = fread(body, 1, 1 << 20, f);
    fclose(f);
    unsigned threads = (unsigned)atoi(argv[2]);
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO, (uint16_t)atoi(argv[1]),
                                            NULL, NULL, answer, NULL, MHD_OPTION_CONNECTION_LIMIT, 1024u,
                                            threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, threads,
                                            MHD_OPTION_END);
    if (!d)
        return 4;
    const union MHD_DaemonInfo *i = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    printf("port %u\n", i ? (unsigned)i->port : 0u);
    fflush(stdout);
    pause();
    MHD_stop_daemon(d);
    return 0;
}
