/* Addresses and prefixes, and the client behind trusted proxies: only a trusted
 * peer's forwarding headers count, the walk stops at the first untrusted hop from
 * the right (what the client itself wrote further left never counts), and garbage
 * or absurdly long chains are not believed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/netaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

static void addr(const char *text, uint8_t out[16])
{
    assert_true(netaddr_parse(str_from(text), out));
}

static const char *fmt(const uint8_t a[16], char buf[NETADDR_TEXT_MAX])
{
    netaddr_format(a, buf);
    return buf;
}

static void parses_addresses(void **state)
{
    (void)state;
    uint8_t a[16];
    char buf[NETADDR_TEXT_MAX];
    addr("192.0.2.7", a);
    assert_string_equal(fmt(a, buf), "192.0.2.7");
    addr(" 192.0.2.7:8080 ", a);
    assert_string_equal(fmt(a, buf), "192.0.2.7");
    addr("2001:db8::1", a);
    assert_string_equal(fmt(a, buf), "2001:db8::1");
    addr("[2001:db8::1]:443", a);
    assert_string_equal(fmt(a, buf), "2001:db8::1");
    addr("[::1]", a);
    assert_string_equal(fmt(a, buf), "::1");

    const char *bad[] = {"",       "unknown",        "192.0.2", "192.0.2.256", "[::1",
                         "[::1]x", "2001:db8::1::2", "_hidden", "1.2.3.4/8"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(netaddr_parse(str_from(bad[i]), a));
    /* An embedded NUL is not cut short into a valid address. */
    assert_false(netaddr_parse((struct str){"10.0.0.1\0.5", 11}, a));
}

static void sockaddrs(void **state)
{
    (void)state;
    struct sockaddr_in sin = {.sin_family = AF_INET};
    inet_pton(AF_INET, "203.0.113.9", &sin.sin_addr);
    struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
    inet_pton(AF_INET6, "2001:db8::9", &sin6.sin6_addr);
    uint8_t a[16], b[16];
    char buf[NETADDR_TEXT_MAX];
    assert_true(netaddr_from_sockaddr((struct sockaddr *)&sin, a));
    addr("203.0.113.9", b);
    assert_memory_equal(a, b, 16);
    assert_true(netaddr_from_sockaddr((struct sockaddr *)&sin6, a));
    assert_string_equal(fmt(a, buf), "2001:db8::9");
    struct sockaddr un = {.sa_family = AF_UNIX};
    assert_false(netaddr_from_sockaddr(&un, a));
}

static void lists_and_prefixes(void **state)
{
    (void)state;
    struct net_list l;
    char err[128];
    uint8_t a[16];
    assert_int_equal(
        net_list_parse("127.0.0.1, 10.0.0.0/8 2001:db8::/32,::1", &l, err, sizeof(err)), 0);
    assert_int_equal(l.n, 4);
    const char *in[] = {"127.0.0.1", "10.1.2.3", "10.255.255.255", "2001:db8:ffff::1", "::1"};
    for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
        addr(in[i], a);
        assert_true(net_list_has(&l, a));
    }
    const char *out[] = {"127.0.0.2", "11.0.0.0", "9.255.255.255", "2001:db9::1", "::2"};
    for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++) {
        addr(out[i], a);
        assert_false(net_list_has(&l, a));
    }
    /* An IPv4 prefix never matches IPv6 addresses that share its bytes. */
    assert_int_equal(net_list_parse("0.0.0.0/0", &l, err, sizeof(err)), 0);
    addr("2001:db8::1", a);
    assert_false(net_list_has(&l, a));
    addr("198.51.100.1", a);
    assert_true(net_list_has(&l, a));
    /* Odd prefix lengths. */
    assert_int_equal(net_list_parse("192.0.2.128/25", &l, err, sizeof(err)), 0);
    addr("192.0.2.200", a);
    assert_true(net_list_has(&l, a));
    addr("192.0.2.127", a);
    assert_false(net_list_has(&l, a));

    assert_int_equal(net_list_parse("", &l, err, sizeof(err)), 0);
    assert_int_equal(l.n, 0);
    assert_false(net_list_has(&l, a));
    const char *bad[] = {"10.0.0.0/33", "10.0.0.0/x",  "::1/129",   "nginx",
                         "[::1]",       "10.0.0.1:80", "1.2.3.4/-1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        assert_int_equal(net_list_parse(bad[i], &l, err, sizeof(err)), STET_EINVAL);
        assert_non_null(strstr(err, "not an IP address"));
    }
    char many[NETADDR_LIST_MAX * 12 + 16] = "";
    for (int i = 0; i <= NETADDR_LIST_MAX; i++)
        snprintf(many + strlen(many), sizeof(many) - strlen(many), "10.0.0.%d ", i % 250);
    assert_int_equal(net_list_parse(many, &l, err, sizeof(err)), STET_EINVAL);
}

/* The client for `peer` with one X-Forwarded-For line (or NULL) and one Forwarded
 * line (or NULL), proxies trusted as `trusted`. */
static const char *client(const char *peer, const char *xff, const char *fwd, const char *trusted,
                          char buf[NETADDR_TEXT_MAX])
{
    struct net_list l;
    char err[128];
    assert_int_equal(net_list_parse(trusted, &l, err, sizeof(err)), 0);
    uint8_t p[16], out[16];
    addr(peer, p);
    struct str x = str_from(xff != NULL ? xff : ""), f = str_from(fwd != NULL ? fwd : "");
    netaddr_client(p, &f, fwd != NULL, &x, xff != NULL, &l, out);
    return fmt(out, buf);
}

static void client_behind_proxies(void **state)
{
    (void)state;
    char b[NETADDR_TEXT_MAX];
    /* An untrusted peer's headers are ignored. */
    assert_string_equal(client("198.51.100.7", "203.0.113.9", NULL, "127.0.0.1", b),
                        "198.51.100.7");
    assert_string_equal(client("198.51.100.7", NULL, "for=203.0.113.9", "", b), "198.51.100.7");
    /* One trusted proxy: the hop it appended. */
    assert_string_equal(client("127.0.0.1", "203.0.113.9", NULL, "127.0.0.1", b), "203.0.113.9");
    /* What the client wrote itself stays to the left of the real hop and is never
     * reached. */
    assert_string_equal(client("127.0.0.1", "1.1.1.1, 203.0.113.9", NULL, "127.0.0.1", b),
                        "203.0.113.9");
    /* A chain of trusted proxies is walked through. */
    assert_string_equal(
        client("127.0.0.1", "203.0.113.9, 10.0.0.2", NULL, "127.0.0.1 10.0.0.0/8", b),
        "203.0.113.9");
    /* Everyone trusted: the farthest hop. */
    assert_string_equal(client("127.0.0.1", "10.0.0.3, 10.0.0.2", NULL, "127.0.0.1 10.0.0.0/8", b),
                        "10.0.0.3");
    /* Garbage where the real hop should be: the nearest trusted hop stays. */
    assert_string_equal(client("127.0.0.1", "203.0.113.9, evil", NULL, "127.0.0.1", b),
                        "127.0.0.1");
    assert_string_equal(client("127.0.0.1", "", NULL, "127.0.0.1", b), "127.0.0.1");
    /* Forwarded wins over X-Forwarded-For, with quoting, ports and IPv6. */
    assert_string_equal(client("127.0.0.1", "198.51.100.1",
                               "for=192.0.2.60;proto=http;by=203.0.113.43", "127.0.0.1", b),
                        "192.0.2.60");
    assert_string_equal(client("::1", NULL, "for=\"[2001:db8:cafe::17]:4711\"", "::1", b),
                        "2001:db8:cafe::17");
    assert_string_equal(client("::1", NULL, "for=192.0.2.43, for=198.51.100.17", "::1", b),
                        "198.51.100.17");
    /* Obfuscated or unknown nodes are not addresses: the proxy stays the client. */
    assert_string_equal(client("::1", NULL, "for=unknown", "::1", b), "::1");
    assert_string_equal(client("::1", NULL, "for=_hidden", "::1", b), "::1");

    /* Too many hops for any real path: none believed. */
    char chain[64 * 12] = "";
    for (int i = 0; i < 40; i++)
        snprintf(chain + strlen(chain), sizeof(chain) - strlen(chain), "%s10.0.0.%d",
                 i > 0 ? ", " : "", i + 1);
    assert_string_equal(client("127.0.0.1", chain, NULL, "127.0.0.1", b), "127.0.0.1");

    /* Several header lines read as one list, in order. */
    struct net_list l;
    char err[128];
    assert_int_equal(net_list_parse("127.0.0.1", &l, err, sizeof(err)), 0);
    uint8_t p[16], out[16];
    addr("127.0.0.1", p);
    struct str lines[2] = {STR_LIT("198.51.100.1"), STR_LIT("203.0.113.5")};
    netaddr_client(p, NULL, 0, lines, 2, &l, out);
    assert_string_equal(fmt(out, b), "203.0.113.5");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_addresses),
        cmocka_unit_test(sockaddrs),
        cmocka_unit_test(lists_and_prefixes),
        cmocka_unit_test(client_behind_proxies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
