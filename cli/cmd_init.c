/* cmd_init.c - teemed init: create a data dir with a TEE backend. */
#include "cli.h"
#include "core/mediator.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

static const char usage[] =
    "usage: teemed init [--tee sim|dstack|tdx] [--data DIR]\n"
    "\n"
    "Create the data dir (mode 0700) with its database and the TEE backend that holds\n"
    "the mediator's keys. 'sim' keeps software keys in the data dir and labels every\n"
    "attestation as simulated.\n";

int cmd_init(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"tee", required_argument, NULL, 't'}, CLI_COMMON_OPTS,
                                         {NULL, 0, NULL, 0}};
    const char *tee = "sim";
    int o;
    while ((o = getopt_long(argc, argv, ":t:d:jh", opts, NULL)) != -1) {
        if (o == 'h')
            return cli_usage(usage, EX_OK);
        if (o == 't')
            tee = optarg;
        else if (!cli_common(c, o))
            return cli_bad_option("init", argv);
    }
    if (optind < argc) {
        cli_err("init: unexpected argument '%s'", argv[optind]);
        return EX_USAGE;
    }
    enum tm_tee_kind kind;
    if (tm_tee_parse(tee, &kind)) {
        cli_err("init: unknown TEE backend '%s' (use sim, dstack or tdx)", tee);
        return EX_USAGE;
    }
    struct tm_diag d = {{0}};
    const char *dir = cli_data_dir(c);
    enum tm_rc rc = tm_med_init(dir, kind, &d);
    if (rc)
        return cli_fail(rc, &d);
    if (c->json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "data_dir", dir);
        cJSON_AddStringToObject(j, "tee", tee);
        cJSON_AddBoolToObject(j, "simulated", kind == TM_TEE_SIM);
        char *s = cJSON_PrintUnformatted(j);
        puts(s);
        free(s);
        cJSON_Delete(j);
    } else
        printf("initialised %s (TEE backend: %s%s)\n", dir, tee,
               kind == TM_TEE_SIM ? ", simulated" : "");
    return EX_OK;
}
