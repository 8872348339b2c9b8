/* cmd_attest.c - teemed attest: the mediator's own signed attestation. */
#include "cli.h"
#include "attest/attest.h"
#include "core/mediator.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static const char usage[] =
    "usage: teemed attest [--data DIR]\n"
    "\n"
    "Print the mediator's attestation: a document of kind \"mediator\" (software, code\n"
    "measurement, TEE backend) signed by the mediator's key, whose attestation carries\n"
    "report_data (the key's binding) and, on dstack/tdx, the TDX quote and event log.\n"
    "Check it before uploading anything:\n"
    "  teemed attest > mediator.json\n"
    "  teemed verify --collateral COLLATERAL.json mediator.json\n"
    "The output is the canonical signed JSON document (--json changes nothing).\n";

int cmd_attest(struct cli *c, int argc, char **argv)
{
    int ex = cli_plain_args(c, argc, argv, "attest", usage, 0, 0, NULL);
    if (ex != CLI_GO)
        return ex;
    struct tm_med *m;
    ex = cli_open_med(c, &m);
    if (ex)
        return ex;
    struct tm_diag d = {{0}};
    char *doc = NULL;
    enum tm_rc rc = tm_med_attest(m, (int64_t)time(NULL) * 1000, &doc, &d);
    tm_med_close(m);
    if (rc)
        return cli_fail(rc, &d);
    puts(doc);
    free(doc);
    return EX_OK;
}
