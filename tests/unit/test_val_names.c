// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_val_names.c: name_str, which writes names into every validator reason
 * from their wire form, gives exactly the text ldns prints (escapes included),
 * lower-cased and without the final dot, for ordinary, mixed-case, escaped,
 * root, maximum-length and non-name input, and cuts to the buffer it is given;
 * a label running past the end of a name comes out as "?" (never read).
 */
#include <stdlib.h>

#include "harness.h"
#include "validator/val_internal.h"

/* The reference: ldns's printer, lower-cased, the final dot dropped. */
static void ref_str(const ldns_rdf *r, char *out, size_t len)
{
	char *s = ldns_rdf2str(r);
	size_t n = strlen(s), i;

	for (i = 0; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] += 32;
	if (n > 1 && s[n - 1] == '.')
		s[n - 1] = 0;
	snprintf(out, len, "%s", s);
	free(s);
}

static void check_wire(const uint8_t *wire, size_t n, const char *expect)
{
	ldns_rdf *r = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, n, wire);
	char got[1100], ref[1100];

	name_str(r, got, sizeof(got));
	ref_str(r, ref, sizeof(ref));
	CHECK_EQ_STR(got, ref);
	if (expect)
		CHECK_EQ_STR(got, expect);
	ldns_rdf_deep_free(r);
}

static void check_text(const char *text, const char *expect)
{
	ldns_rdf *r = ldns_dname_new_frm_str(text);

	CHECK(r != NULL);
	check_wire(ldns_rdf_data(r), ldns_rdf_size(r), expect);
	ldns_rdf_deep_free(r);
}

static void test_names_as_ldns_prints(void)
{
	static const uint8_t odd[] = {5,   'a',	 '.', ';',  '(',  ')', 3,   0x00,
				      ' ', 0x7f, 4,   '\\', 0xff, 'Z', '"', 0};
	uint8_t longest[255];
	size_t i;

	check_text("www.idp.test.", "www.idp.test");
	check_text("WWW.Idp.TEST.", "www.idp.test");
	check_text(".", ".");
	check_text("*.wild.idp.test.", "*.wild.idp.test");
	check_text("a\\.b.idp.test.", "a\\.b.idp.test");
	check_wire(odd, sizeof(odd), "a\\.\\;\\(\\).\\000\\032\\127.\\\\\\255z\"");
	for (i = 0; i + 64 <= sizeof(longest); i += 64) { /* 3 labels of 63, one of 61 */
		longest[i] = 63;
		memset(longest + i + 1, 'Q', 63);
	}
	longest[192] = 61;
	memset(longest + 193, 'q', 61);
	longest[254] = 0;
	check_wire(longest, sizeof(longest), NULL);
}

static void test_names_cut_and_odd_input(void)
{
	ldns_rdf *r = ldns_dname_new_frm_str("www.idp.test.");
	ldns_rdf *a = ldns_rdf_new_frm_str(LDNS_RDF_TYPE_A, "192.0.2.1");
	static const uint8_t bad[] = {9, 'a', 'b', 0}; /* a label longer than the name */
	ldns_rdf *b = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, sizeof(bad), bad);
	char small[8], out[64], ref[64];

	CHECK_EQ_STR(name_str(r, small, sizeof(small)), "www.idp");
	CHECK_EQ_STR(name_str(NULL, out, sizeof(out)), "?");
	name_str(a, out, sizeof(out)); /* not a name: whatever ldns prints */
	ref_str(a, ref, sizeof(ref));
	CHECK_EQ_STR(out, ref);
	CHECK_EQ_STR(name_str(b, out, sizeof(out)), "?"); /* never read past its end */
	ldns_rdf_deep_free(r);
	ldns_rdf_deep_free(a);
	ldns_rdf_deep_free(b);
}

int main(void)
{
	RUN_TEST(test_names_as_ldns_prints);
	RUN_TEST(test_names_cut_and_odd_input);
	HARNESS_EXIT();
}
