/* cmd_quote.c - teemed quote: parse a DCAP quote and show its fields (the first stage of
 * offline verification; the DCAP chain and TCB checks come next). */
#include "cli.h"
#include "tm/quote.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: teemed quote FILE\n"
    "\n"
    "Parse an Intel DCAP quote (TDX v4/v5, SGX v3) given as binary, hex (with or without\n"
    "0x) or a dstack GetQuote JSON response, and print its fields: header, TD report\n"
    "(MRTD, RTMR0-3, report_data, debug flag) or enclave report, signature data. This is\n"
    "parsing only: it does not verify the quote.\n";

int cmd_quote(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {CLI_COMMON_OPTS, {NULL, 0, NULL, 0}};
    int o;
    while ((o = getopt_long(argc, argv, ":d:jh", opts, NULL)) != -1) {
        if (o == 'h')
            return cli_usage(usage, EX_OK);
        if (!cli_common(c, o))
            return cli_bad_option("quote", argv);
    }
    if (argc - optind != 1) {
        cli_err("quote: expected one FILE (see 'teemed quote --help')");
        return EX_USAGE;
    }
    const char *path = argv[optind];
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f) {
        cli_err("cannot read '%s': %s", path, strerror(errno));
        return EX_INPUT;
    }
    size_t cap = 4 * TM_QUOTE_MAX + 1, n;
    char *buf = malloc(cap);
    n = buf ? fread(buf, 1, cap, f) : 0;
    if (f != stdin)
        fclose(f);
    struct tm_diag d = {{0}};
    uint8_t *bin = NULL;
    size_t bl = 0;
    char *ev = NULL;
    enum tm_rc rc = n == cap ? tm_fail(&d, TM_ETOOBIG, "'%s' is too large to be a quote", path)
                             : tm_quote_decode(buf, n, &bin, &bl, &ev, &d);
    free(buf);
    struct tm_quote q;
    if (!rc)
        rc = tm_quote_parse(bin, bl, &q, &d);
    if (rc) {
        free(bin);
        free(ev);
        return cli_fail(rc, &d);
    }
    cJSON *j = tm_quote_json(&q);
    if (ev)
        cJSON_AddBoolToObject(j, "has_event_log", 1);
    char *s = c->json ? cJSON_PrintUnformatted(j) : cJSON_Print(j);
    puts(s);
    free(s);
    cJSON_Delete(j);
    free(bin);
    free(ev);
    return EX_OK;
}
