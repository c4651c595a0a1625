/* ISO 3166-1 alpha-2 region codes: the officially assigned ones plus the
 * user-assigned ranges (AA, QM-QZ, XA-XZ, ZZ) that operators use for test
 * or private regions. A user-assigned code is well formed everywhere, but
 * the host takes a buyer from one only when the config declares it
 * (config.c, user_assigned_regions): by itself it names no place. */
#include <string.h>

#include <tender/money.h>

#include "regions.h"

static const char assigned[] =
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ "
    "BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM "
    "DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS "
    "GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN "
    "KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ "
    "MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM "
    "PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV "
    "SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI "
    "VN VU WF WS YE YT ZA ZM ZW";

static gboolean is_user_assigned(const char *r)
{
    if (r == NULL || strlen(r) != 2)
        return FALSE;
    if (strcmp(r, "AA") == 0 || strcmp(r, "ZZ") == 0)
        return TRUE;
    if (r[0] == 'Q' && r[1] >= 'M' && r[1] <= 'Z')
        return TRUE;
    return r[0] == 'X' && r[1] >= 'A' && r[1] <= 'Z';
}

gboolean tender_region_is_valid(const char *region)
{
    if (region == NULL || strlen(region) != 2 || !g_ascii_isupper(region[0]) ||
        !g_ascii_isupper(region[1]))
        return FALSE;
    if (is_user_assigned(region))
        return TRUE;
    /* A bit per possible code, made once from the table: every payment
     * checks its region twice, and a scan of the table cost 1.8 k
     * instructions a check (callgrind, issue 17). */
    static guint8 known[26 * 26 / 8 + 1];
    static gsize ready = 0;
    if (g_once_init_enter(&ready)) {
        /* Codes sit at every third byte of the table. */
        for (size_t i = 0; i + 1 < sizeof assigned; i += 3) {
            guint bit = (guint)(assigned[i] - 'A') * 26 + (guint)(assigned[i + 1] - 'A');
            known[bit / 8] |= (guint8)(1u << (bit % 8));
        }
        g_once_init_leave(&ready, 1);
    }
    guint bit = (guint)(region[0] - 'A') * 26 + (guint)(region[1] - 'A');
    return (known[bit / 8] >> (bit % 8)) & 1;
}

gboolean region_is_user_assigned(const char *region)
{
    return is_user_assigned(region);
}
