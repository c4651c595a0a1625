// Card numbers for the card tests: a Luhn helper that builds numbers from a
// prefix, and the brand table the tests hold the plugin to (braintree's
// credit-card-type, as docs/methods/card.md lists it), written out range
// edge by range edge so that a wrong range, length or code size in
// plugins/card/card-brand.c shows up as a named failing case.
#ifndef TEST_CARD_NUMBERS_H
#define TEST_CARD_NUMBERS_H

#include <cstddef>
#include <set>
#include <string>
#include <vector>

// True when digits (ASCII digits only) pass the Luhn check.
bool passes_luhn(const std::string &digits);

// A number of `length` digits: prefix, then zeros, then a check digit that
// makes it pass (luhn_ok) or fail Luhn. length must exceed prefix's size.
std::string make_number(const std::string &prefix, size_t length, bool luhn_ok = true);

// One brand as the tests expect it.
struct BrandSpec {
    const char *name;               // Tender's id ("amex")
    const char *display_name;       // "American Express"
    std::vector<const char *> iins; // prefixes of this brand, one per kind of range
    std::set<size_t> lengths;       // allowed number lengths
    size_t code_length;             // security code digits
    bool code_optional;             // Maestro only
    const char *code_name;          // "CID"
    bool mastercard_eci;            // ECI 02/01/00 rather than 05/06/07
};

// Every supported brand, once.
extern const std::vector<BrandSpec> kBrandSpecs;

// The spec of the brand named name, or nullptr.
const BrandSpec *brand_spec(const std::string &name);

// A number that begins with prefix (then zeros) and must be identified as
// brand, or as no brand when brand is nullptr.
struct IinCase {
    const char *prefix;
    const char *brand;
};

// Both ends of every range, the neighbours just outside, and the places
// where a longer IIN takes a number from a broader one.
extern const std::vector<IinCase> kIinCases;

// The valid-Luhn number the tests use for an IinCase: the brand's shortest
// allowed length (16 for no brand, and never shorter than the prefix).
std::string number_for(const IinCase &c);

// A security code of length digits. Its digits appear in no number, first6,
// last4, amount or clock value the tests use, so the fixture's check that no
// result or log carries the code cannot trip on a coincidence.
std::string code_of_length(size_t length);

// A security code of the right length for the brand named name (3 digits
// for nullptr, no brand).
std::string code_for(const char *brand_name);

// A case where two brands' ranges both hold the number and the longer
// (more specific) IIN must win: number_prefix is the winner's, and
// loser_prefix, the start of it, is enough on its own for the loser.
struct LongestPrefixCase {
    const char *number_prefix;
    const char *winner;
    const char *loser_prefix;
    const char *loser;
};

extern const std::vector<LongestPrefixCase> kLongestPrefixCases;

// The brand samples of METHODS.md ("Bank card"), with their brands.
struct SampleNumber {
    const char *number;
    const char *brand;
};

extern const std::vector<SampleNumber> kMethodsSamples;

#endif
