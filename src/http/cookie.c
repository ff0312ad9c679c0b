/* Placeholder until this module is written. */
typedef int stet_placeholder_t;
