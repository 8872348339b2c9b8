/* tests.h - the registry of unit tests (one T() per test, grouped by module). */
T(test_time_parses_iso_and_offsets)
T(test_map_interns_and_filters)
