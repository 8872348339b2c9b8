/* cmd_serve.c - teemed serve: the options of the HTTP service (server/). */
#include "cli.h"
#include "server/server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: teemed serve [--listen HOST:PORT] [--threads N] [--workers N] [options]\n"
    "\n"
    "Serve the data dir over HTTP: every operation of the op table at its /v1 route\n"
    "(GET /v1/openapi.json lists them), MCP at POST /v1/mcp, encrypted uploads at\n"
    "POST /v1/datasets/ID/upload ('teemed push'). Plain HTTP: TLS ends in front of it\n"
    "(the dstack gateway, docs/deploy.md), so a non-loopback address needs --allow-public.\n"
    "SIGINT or SIGTERM stop it after the requests under way.\n"
    "\n"
    "  --listen HOST:PORT        where (default 127.0.0.1:8080; port 0 picks a free one)\n"
    "  --threads N               HTTP polling threads (default 2)\n"
    "  --workers N               threads that run operations (default 4)\n"
    "  --max-connections N       open connections at most (default 1024)\n"
    "  --max-per-ip N            of them from one address (default 256)\n"
    "  --idle-timeout S          close a connection idle for S seconds (default 30)\n"
    "  --max-header BYTES        request headers at most (default 65536)\n"
    "  --max-body BYTES          a JSON body at most (default 1048576)\n"
    "  --max-upload BYTES        an upload at most (default 8589934592)\n"
    "  --json-depth N            nesting of a JSON body at most (default 32)\n"
    "  --rate R --burst B        requests per second per token (or address when anonymous),\n"
    "                            and the burst allowed (default 50 and 100; --rate 0: off)\n"
    "  --max-waiters N           long polls (GET /v1/requests/ID?wait=S) at once (default 256)\n"
    "  --uploads-per-account N   uploads of one account at once (default 2)\n"
    "  --profile-cache N         datasets' profiles kept unsealed in memory (default 32)\n"
    "  --job-lease S             a computation whose worker died is taken up again after\n"
    "                            S seconds (default 300)\n"
    "  --open-registration       anyone may create a member account (POST /v1/accounts)\n"
    "  --allow-public            listen on a non-loopback address without TLS\n"
    "  --origins LIST            browser Origins allowed to call MCP (default: localhost)\n";

int cmd_serve(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"listen", required_argument, NULL, 'l'},          {"threads", required_argument, NULL, 't'},
        {"workers", required_argument, NULL, 'w'},         {"max-connections", required_argument, NULL, 'C'},
        {"max-per-ip", required_argument, NULL, 'I'},      {"idle-timeout", required_argument, NULL, 'o'},
        {"max-header", required_argument, NULL, 'H'},      {"max-body", required_argument, NULL, 'B'},
        {"max-upload", required_argument, NULL, 'U'},      {"json-depth", required_argument, NULL, 'J'},
        {"rate", required_argument, NULL, 'r'},            {"burst", required_argument, NULL, 'b'},
        {"max-waiters", required_argument, NULL, 'W'},     {"uploads-per-account", required_argument, NULL, 'u'},
        {"open-registration", no_argument, NULL, 'R'},     {"allow-public", no_argument, NULL, 'P'},
        {"origins", required_argument, NULL, 'O'},         {"profile-cache", required_argument, NULL, 'c'},
        {"job-lease", required_argument, NULL, 'L'},
        CLI_COMMON_OPTS,
        {NULL, 0, NULL, 0},
    };
    struct srv_config cfg = {"127.0.0.1:8080", 0, 2, 4, 1024, 256, 30, 65536, 1u << 20, 8ull << 30, 32, 50, 100,
                             256, 2, 32, 300, 0, NULL};
    int o;
    long v;
    while ((o = getopt_long(argc, argv, ":d:jh", opts, NULL)) != -1) {
        switch (o) {
        case 'h': return cli_usage(usage, EX_OK);
        case 'l': cfg.listen = optarg; break;
        case 'R': cfg.open_registration = 1; break;
        case 'P': cfg.allow_public = 1; break;
        case 'O': cfg.origins = optarg; break;
        case 'r': case 'b': {
            char *end;
            double x = strtod(optarg, &end);
            if (*end || end == optarg || x < 0 || x > 1e6) {
                cli_err("serve: --%s must be a number from 0 to 1000000", o == 'r' ? "rate" : "burst");
                return EX_USAGE;
            }
            *(o == 'r' ? &cfg.rate : &cfg.burst) = x;
            break;
        }
        case 't': case 'w': case 'C': case 'I': case 'o': case 'J': case 'W': case 'u': case 'c': case 'L': {
            static const struct { int o; const char *name; long lo, hi; } lim[] = {
                {'t', "--threads", 1, 64}, {'w', "--workers", 1, 256}, {'C', "--max-connections", 1, 100000},
                {'I', "--max-per-ip", 1, 100000}, {'o', "--idle-timeout", 1, 3600}, {'J', "--json-depth", 2, 256},
                {'W', "--max-waiters", 0, 100000}, {'u', "--uploads-per-account", 0, 1000},
                {'c', "--profile-cache", 0, 100000}, {'L', "--job-lease", 1, 86400}};
            for (size_t i = 0; i < sizeof lim / sizeof *lim; i++)
                if (lim[i].o == o) {
                    if ((v = cli_number("serve", lim[i].name, optarg, lim[i].lo, lim[i].hi)) < 0)
                        return EX_USAGE;
                    unsigned *dst[] = {&cfg.threads, &cfg.workers, &cfg.max_connections, &cfg.max_per_ip,
                                       &cfg.idle_timeout_s, &cfg.json_depth, &cfg.max_waiters, &cfg.uploads_per_account,
                                       &cfg.profile_cache, &cfg.job_lease_s};
                    *dst[i] = (unsigned)v;
                }
            break;
        }
        case 'H': case 'B': case 'U': {
            char *end;
            unsigned long long x = strtoull(optarg, &end, 10);
            if (*end || end == optarg || x < 1024) {
                cli_err("serve: a size must be a number of bytes, at least 1024 (got '%s')", optarg);
                return EX_USAGE;
            }
            if (o == 'H')
                cfg.max_header = (size_t)x;
            else if (o == 'B')
                cfg.max_body = (size_t)x;
            else
                cfg.max_upload = x;
            break;
        }
        default:
            if (!cli_common(c, o))
                return cli_bad_option("serve", argv);
        }
    }
    if (optind < argc) {
        cli_err("serve: unexpected argument '%s'", argv[optind]);
        return EX_USAGE;
    }
    fflush(stdout);
    return srv_run(cli_data_dir(c), &cfg);
}
