/* Case "exports": the shared object exports exactly tender_plugin_entry.
 *
 * Reads the ELF dynamic symbol table itself (<elf.h>), so the kit needs no
 * binutils. A symbol counts as exported when it is defined (not UNDEF),
 * global or weak, and of default or protected visibility. */
#include <elf.h>
#include <string.h>

#include "conformance-private.h"

/* Collect exported names from the .dynsym of an ELF image of one class.
 * The same body serves 32- and 64-bit files. */
#define DEFINE_COLLECT(bits)                                                                  \
    static const char *collect##bits(const guchar *data, gsize len, GPtrArray *names)          \
    {                                                                                          \
        const Elf##bits##_Ehdr *eh = (const Elf##bits##_Ehdr *)(const void *)data;            \
        if (len < sizeof *eh)                                                                  \
            return "the file is shorter than an ELF header";                                   \
        if (eh->e_shoff == 0 || eh->e_shnum == 0 ||                                            \
            eh->e_shentsize != sizeof(Elf##bits##_Shdr) ||                                     \
            eh->e_shoff > len || (gsize)eh->e_shnum * sizeof(Elf##bits##_Shdr) >               \
                                     len - eh->e_shoff)                                        \
            return "the ELF file has no readable section headers";                             \
        const Elf##bits##_Shdr *sh =                                                           \
            (const Elf##bits##_Shdr *)(const void *)(data + eh->e_shoff);                      \
        gboolean found = FALSE;                                                                \
        for (unsigned i = 0; i < eh->e_shnum; i++) {                                           \
            if (sh[i].sh_type != SHT_DYNSYM)                                                   \
                continue;                                                                      \
            found = TRUE;                                                                      \
            if (sh[i].sh_link >= eh->e_shnum)                                                  \
                return "the .dynsym section links to no string table";                         \
            const Elf##bits##_Shdr *str = &sh[sh[i].sh_link];                                  \
            if (sh[i].sh_offset > len || sh[i].sh_size > len - sh[i].sh_offset ||              \
                str->sh_offset > len || str->sh_size > len - str->sh_offset ||                 \
                sh[i].sh_entsize != sizeof(Elf##bits##_Sym))                                   \
                return "the .dynsym section lies outside the file";                            \
            const Elf##bits##_Sym *sym =                                                       \
                (const Elf##bits##_Sym *)(const void *)(data + sh[i].sh_offset);               \
            gsize n = sh[i].sh_size / sizeof(Elf##bits##_Sym);                                 \
            const char *strtab = (const char *)data + str->sh_offset;                          \
            for (gsize k = 1; k < n; k++) {                                                    \
                unsigned bind = ELF##bits##_ST_BIND(sym[k].st_info);                           \
                unsigned type = ELF##bits##_ST_TYPE(sym[k].st_info);                           \
                unsigned vis = ELF##bits##_ST_VISIBILITY(sym[k].st_other);                     \
                if (sym[k].st_shndx == SHN_UNDEF)                                              \
                    continue;                                                                  \
                if (bind != STB_GLOBAL && bind != STB_WEAK && bind != STB_GNU_UNIQUE)          \
                    continue;                                                                  \
                if (vis == STV_HIDDEN || vis == STV_INTERNAL)                                  \
                    continue;                                                                  \
                if (type == STT_SECTION || type == STT_FILE)                                   \
                    continue;                                                                  \
                if (sym[k].st_name >= str->sh_size)                                            \
                    return "a dynamic symbol's name lies outside the string table";            \
                const char *name = strtab + sym[k].st_name;                                    \
                if (memchr(name, '\0', str->sh_size - sym[k].st_name) == NULL)                 \
                    return "a dynamic symbol's name is not terminated";                        \
                /* Absolute symbols naming a version node are not exports. */                  \
                if (sym[k].st_shndx == SHN_ABS && type == STT_OBJECT && sym[k].st_value == 0)  \
                    continue;                                                                  \
                g_ptr_array_add(names, g_strdup(name));                                        \
            }                                                                                  \
        }                                                                                      \
        return found ? NULL : "the ELF file has no .dynsym section";                           \
    }

DEFINE_COLLECT(32)
DEFINE_COLLECT(64)

tc_status tc_case_exports(tc_context *ctx, tc_report *report)
{
    gchar *data = NULL;
    gsize len = 0;
    GError *error = NULL;
    if (!g_file_get_contents(ctx->path, &data, &len, &error)) {
        tc_report_fail(report, "expected a readable shared object, cannot read %s: %s",
                       ctx->path, error->message);
        g_error_free(error);
        return TC_FAIL;
    }
    const guchar *bytes = (const guchar *)data;
    if (len < EI_NIDENT || memcmp(bytes, ELFMAG, SELFMAG) != 0) {
        tc_report_fail(report, "expected an ELF shared object, %s is not ELF", ctx->path);
        g_free(data);
        return TC_FAIL;
    }
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *why = NULL;
    if (bytes[EI_CLASS] == ELFCLASS64)
        why = collect64(bytes, len, names);
    else if (bytes[EI_CLASS] == ELFCLASS32)
        why = collect32(bytes, len, names);
    else
        why = "unknown ELF class";
    if (why != NULL) {
        tc_report_fail(report, "expected a readable dynamic symbol table: %s", why);
    } else {
        gboolean has_entry = FALSE;
        GString *extra = g_string_new(NULL);
        for (guint i = 0; i < names->len; i++) {
            const char *n = g_ptr_array_index(names, i);
            if (strcmp(n, TENDER_PLUGIN_ENTRY_SYMBOL) == 0)
                has_entry = TRUE;
            else
                g_string_append_printf(extra, "%s%s", extra->len ? ", " : "", n);
        }
        if (!has_entry)
            tc_report_fail(report, "expected the dynamic symbol %s, the plugin does not "
                           "export it", TENDER_PLUGIN_ENTRY_SYMBOL);
        if (extra->len > 0)
            tc_report_fail(report, "expected %s as the only exported symbol, the plugin also "
                           "exports: %s (link with the SDK's version script and "
                           "-fvisibility=hidden)", TENDER_PLUGIN_ENTRY_SYMBOL, extra->str);
        g_string_free(extra, TRUE);
        if (has_entry && names->len == 1)
            tc_report_note(report, "exports only %s", TENDER_PLUGIN_ENTRY_SYMBOL);
    }
    g_ptr_array_unref(names);
    g_free(data);
    return tc_report_failures(report) ? TC_FAIL : TC_PASS;
}
