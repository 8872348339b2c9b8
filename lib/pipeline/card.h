/* card.h - the public dataset card (the seed's Phase 1) and the sealed profile's
 * serialisation. Everything a card says comes from the volume figures and from
 * publishable profile entries (df >= k, no identity words). */
#ifndef TM_CARD_H
#define TM_CARD_H

#include <cjson/cJSON.h>
#include "pipeline/ingest.h"
#include "pipeline/profile.h"
#include "pipeline/taxonomy.h"

struct tm_card_in {
    const char *id, *owner, *title;
    const struct tm_volume *vol;
    const struct tm_profile *prof;
    const struct tm_taxonomy *tax;
    const struct tm_scrub *scrub;
    const uint8_t *commitment; /* 32 bytes */
    uint64_t leaves;
    int64_t now_ms;
    const struct tm_map *ambient; /* the market's ambient vocabulary when onboarding (core/pool.h):
                                   * never a topic, a theme term or a theme's name; may be NULL */
};

#define TM_CARD_TOPICS 20
#define TM_CARD_EXPERTISE 8

/* Build the unsigned card (owned: cJSON_Delete). */
cJSON *tm_card_build(const struct tm_card_in *in);
/* Revise what a published card says about the content (topic, primary_focus,
 * key_expertise, topics, themes) with in's profile and ambient vocabulary; the rest -
 * volume, privacy, commitment, created_at - stays. Only in->prof, tax, title and ambient
 * are read. Returns 1 when anything changed (the card must then be signed again). */
int tm_card_revise(cJSON *card, const struct tm_card_in *in);
/* Does a published card name an ambient term (one of its topics, a theme's term)? Then
 * tm_card_revise would change it. */
int tm_card_names_ambient(const cJSON *card, const struct tm_map *ambient);
/* Lowercase text that `cards --search` matches against (owned, free()). */
char *tm_card_search_text(const cJSON *card);

/* The profile as JSON text (owned, free()); sealed before it is stored. */
char *tm_profile_to_json(const struct tm_profile *p, const struct tm_taxonomy *tax);
/* Parse what tm_profile_to_json wrote into *p (owned: tm_profile_release). Topics
 * unknown to tax are dropped. */
enum tm_rc tm_profile_from_json(const char *json, size_t len, const struct tm_taxonomy *tax,
                                struct tm_profile *p, struct tm_diag *d) TM_NODISCARD;

#endif
