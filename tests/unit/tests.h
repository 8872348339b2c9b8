/* tests.h - the registry of unit tests (one T() per test, grouped by module). */
T(test_time_parses_iso_and_offsets)
T(test_map_interns_and_filters)
T(test_scrub_removes_private_data)
T(test_scrub_keeps_ordinary_text)
T(test_scrub_harvests_identities)
T(test_scrub_never_reads_past_len)
