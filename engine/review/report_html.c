/* review/report_html.c - the review report as one self-contained HTML page.
 *
 * Everything that comes from outside (paths, list names, labels, sources,
 * notes, reviewer names) is untrusted: it is written only as HTML text
 * (escaped, control characters made visible), never into a script, a
 * style or an attribute other than through the same escaping. The script
 * reads what it needs from the DOM (textContent), so no path ever sits in
 * a JavaScript string. A Content-Security-Policy forbids every resource but
 * the inline style, the inline script and data: images: the page loads
 * nothing from anywhere, even if a string escaped the escaping. */
#include <inttypes.h>
#include <string.h>

#include "core/error.h"
#include "review/report.h"

/* ---- escaping ------------------------------------------------------------------ */

/* HTML text or attribute value. C0 controls and DEL are shown as \xNN
 * (a path may hold them; the page must show them, not act on them). */
static void html(FILE *f, const char *s) {
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
    switch (*p) {
    case '&': fputs("&amp;", f); break;
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '"': fputs("&quot;", f); break;
    case '\'': fputs("&#39;", f); break;
    default:
      if (*p < 0x20 || *p == 0x7f)
        fprintf(f, "\\x%02x", *p);
      else
        fputc(*p, f);
    }
  }
}

/* A shell word in single quotes ('\'' for a quote), then HTML-escaped: a
 * reviewer copies the command into a terminal. Control characters are
 * shown by html() as \xNN, which a shell would not read back as the same
 * path: write_commands warns about such paths. */
static void shell_word(FILE *f, const char *s) {
  fputc('\'', f);
  for (const char *p = s; *p; p++) {
    if (*p == '\'')
      fputs("&#39;\\&#39;&#39;", f);
    else {
      char one[2] = {*p, 0};
      html(f, one);
    }
  }
  fputc('\'', f);
}

static int has_control(const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    if (*p < 0x20 || *p == 0x7f)
      return 1;
  return 0;
}

static void iso(FILE *f, int64_t t) {
  char buf[32];
  hs_time_to_iso(t, buf);
  html(f, buf);
}

/* ---- the page ------------------------------------------------------------------- */

static const char page_style[] =
    "*{box-sizing:border-box}"
    "body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f4f4f2;color:#1d1d1b}"
    "header{position:sticky;top:0;z-index:2;background:#26323a;color:#fff;padding:10px 16px}"
    "header h1{font-size:18px;margin:0 0 4px}"
    "header p{margin:2px 0}"
    ".controls{display:flex;gap:16px;align-items:center;flex-wrap:wrap;margin-top:6px}"
    ".controls input[type=text]{padding:3px 6px}"
    "main{padding:12px 16px}"
    ".entry{background:#fff;border:1px solid #ccc;border-radius:6px;margin:0 0 16px;padding:10px 14px}"
    ".entry h2{font-size:16px;margin:0 0 6px}"
    "dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:4px 0 10px}"
    "dl.meta dt{color:#555}dl.meta dd{margin:0;overflow-wrap:anywhere}"
    ".items{display:grid;grid-template-columns:repeat(auto-fill,minmax(330px,1fr));gap:12px}"
    ".item{border:1px solid #ddd;border-radius:4px;padding:8px;background:#fafafa}"
    ".item[data-decision=confirm]{border-color:#b3261e}"
    ".item[data-decision=reject]{border-color:#2e7d32}"
    ".item[data-decision=escalate]{border-color:#c77700}"
    ".thumb{position:relative;width:100%;height:250px;overflow:hidden;background:#333;"
    "display:flex;align-items:center;justify-content:center;border-radius:3px}"
    ".thumb img{max-width:100%;max-height:100%;filter:blur(18px);transform:scale(1.05)}"
    ".thumb.revealed img{filter:none;transform:none}"
    "body.grey .thumb img{filter:grayscale(1) blur(18px)}"
    "body.grey .thumb.revealed img{filter:grayscale(1)}"
    ".thumb button{position:absolute;bottom:8px;right:8px}"
    ".thumb.none{color:#eee;padding:12px;text-align:center}"
    "pre.cmd{white-space:pre-wrap;overflow-wrap:anywhere;background:#eef;padding:4px 6px;margin:4px 0;"
    "font-size:12px}"
    ".cmdrow{display:flex;gap:6px;align-items:flex-start}.cmdrow pre{flex:1}"
    ".badge{display:inline-block;padding:0 6px;border-radius:8px;background:#ddd;font-size:12px}"
    ".warn{color:#b3261e}";

static const char page_script[] =
    "(function(){'use strict';\n"
    "function q(s){return Array.prototype.slice.call(document.querySelectorAll(s));}\n"
    "function setShown(t,on){t.classList.toggle('revealed',on);var b=t.querySelector('button.reveal');"
    "if(b){b.setAttribute('aria-pressed',on?'true':'false');b.textContent=on?'Blur again':'Reveal';}}\n"
    "q('button.reveal').forEach(function(b){b.addEventListener('click',function(){"
    "var t=b.closest('.thumb');setShown(t,!t.classList.contains('revealed'));});});\n"
    "document.getElementById('blur-all').addEventListener('click',function(){"
    "q('.thumb').forEach(function(t){setShown(t,false);});});\n"
    "var grey=document.getElementById('grey');\n"
    "grey.addEventListener('change',function(){document.body.classList.toggle('grey',grey.checked);});\n"
    "function shq(v){return \"'\"+v.replace(/'/g,\"'\\\\''\")+\"'\";}\n"
    "var who=document.getElementById('reviewer');\n"
    "who.addEventListener('input',function(){var v=who.value.trim();"
    "q('span.who').forEach(function(s){s.textContent=v?shq(v):'NAME';});});\n"
    "function fallbackCopy(pre){var r=document.createRange();r.selectNodeContents(pre);"
    "var sel=window.getSelection();sel.removeAllRanges();sel.addRange(r);"
    "try{document.execCommand('copy');}catch(e){}}\n"
    "q('button.copy').forEach(function(b){b.addEventListener('click',function(){"
    "var pre=b.parentNode.querySelector('pre');var text=pre.textContent;"
    "if(navigator.clipboard&&window.isSecureContext){navigator.clipboard.writeText(text)"
    ".then(function(){b.textContent='Copied';},function(){fallbackCopy(pre);});}"
    "else{fallbackCopy(pre);b.textContent='Selected';}});});\n"
    "})();\n";

static void write_head(const rv_report *r, FILE *f) {
  const char *title = r->opts->title ? r->opts->title : "hashsweep review";
  fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n"
        "<meta name=\"referrer\" content=\"no-referrer\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
        f);
  html(f, title);
  fprintf(f, "</title>\n<style>%s</style>\n</head>\n", page_style);
  fputs("<body>\n<header>\n<h1>", f);
  html(f, title);
  fputs("</h1>\n<p>Made ", f);
  iso(f, r->made_at);
  fprintf(f, " from index <code>");
  html(f, r->opts->index);
  fprintf(f, "</code> (version %" PRIu64 ") and store <code>", r->index_version);
  html(f, r->opts->store);
  fprintf(f, "</code>. %" PRIu64 " match records; %" PRIu64 " files await a decision in %" PRIu64
          " entries; %" PRIu64 " already decided%s.</p>\n",
          r->sum.matches, r->opts->include_decided ? r->sum.shown - r->sum.decided : r->sum.shown,
          r->sum.entries, r->sum.decided, r->opts->include_decided ? " (shown)" : " (not shown)");
  fputs("<p>Only the platform's own files are shown, blurred until revealed; the listed image "
        "is never shown (hashsweep never holds it).</p>\n"
        "<div class=\"controls\">"
        "<label><input type=\"checkbox\" id=\"grey\"> Greyscale</label>"
        "<button type=\"button\" id=\"blur-all\">Blur all</button>"
        "<label>Reviewer name for the commands: <input type=\"text\" id=\"reviewer\" "
        "autocomplete=\"off\" placeholder=\"NAME\"></label></div>\n</header>\n<main>\n",
        f);
}

static void write_commands(const rv_report *r, const rv_item *it, FILE *f) {
  const char *index = r->opts->index_arg ? r->opts->index_arg : r->opts->index;
  static const char *const kinds[] = {"confirm", "reject", "escalate"};
  if (has_control(it->path))
    fputs("<p class=\"warn\">The path holds control characters (shown as \\xNN): give it to "
          "--file exactly as the scan output has it.</p>\n", f);
  for (int k = 0; k < 3; k++) {
    fputs("<div class=\"cmdrow\"><pre class=\"cmd\">hashsweep review decide --index ", f);
    shell_word(f, index);
    fprintf(f, " --entry %" PRIu64 " --file ", it->entry);
    shell_word(f, it->path);
    fprintf(f, " --decision %s --reviewer <span class=\"who\">NAME</span> --note ''</pre>"
            "<button type=\"button\" class=\"copy\">Copy</button></div>\n", kinds[k]);
  }
}

static void write_item(const rv_report *r, const rv_item *it, FILE *f) {
  const char *dname = it->decision ? hs_decision_name(it->decision) : "pending";
  fprintf(f, "<article class=\"item\" data-decision=\"%s\">\n", dname);
  if (it->thumb_uri) {
    fputs("<div class=\"thumb\"><img alt=\"the platform's file, blurred\" src=\"", f);
    fputs(it->thumb_uri, f); /* base64 only: nothing to escape */
    fputs("\"><button type=\"button\" class=\"reveal\" aria-pressed=\"false\">Reveal</button>"
          "</div>\n", f);
  } else {
    fputs("<div class=\"thumb none\">No thumbnail: ", f);
    html(f, it->thumb_error ? it->thumb_error : "not made");
    fputs("</div>\n", f);
  }
  fputs("<dl class=\"meta\"><dt>File</dt><dd><code class=\"path\">", f);
  html(f, it->path);
  fprintf(f, "</code></dd><dt>Distance</dt><dd class=\"distance\">%d</dd><dt>Variant</dt><dd>",
          it->distance);
  html(f, it->variants);
  fputs("</dd>", f);
  if (it->kind) {
    fputs("<dt>Kind</dt><dd class=\"kind\">", f);
    html(f, it->kind);
    fputs("</dd>", f);
  }
  if (it->segments) {
    fputs("<dt>Segments</dt><dd class=\"segments\">", f);
    html(f, it->segments);
    fputs("</dd>", f);
  }
  if (it->shares) {
    fputs("<dt>Shares</dt><dd class=\"shares\">", f);
    html(f, it->shares);
    fputs("</dd>", f);
  }
  if (it->frames) {
    fputs("<dt>Frames at</dt><dd class=\"frames\">", f);
    html(f, it->frames);
    fputs("</dd>", f);
  }
  if (it->decision) {
    fputs("<dt>Decision</dt><dd class=\"decision\"><span class=\"badge\">", f);
    html(f, dname);
    fputs("</span> by ", f);
    html(f, it->reviewer);
    fputs(", ", f);
    iso(f, it->decided_at);
    if (it->note && *it->note) {
      fputs(": ", f);
      html(f, it->note);
    }
    fputs("</dd>", f);
  }
  fputs("</dl>\n", f);
  write_commands(r, it, f);
  fputs("</article>\n", f);
}

static void write_entry(const rv_report *r, const rv_entry *e, FILE *f) {
  fprintf(f, "<section class=\"entry\" id=\"entry-%" PRIu64 "\">\n<h2>Entry %" PRIu64, e->id, e->id);
  if (e->label) {
    fputs(" &middot; ", f);
    html(f, e->label);
  }
  fprintf(f, " <span class=\"badge\">%zu file%s</span></h2>\n<dl class=\"meta\"><dt>List</dt><dd>",
          e->count, e->count == 1 ? "" : "s");
  html(f, e->list);
  fputs("</dd><dt>Hash type</dt><dd>", f);
  html(f, e->type);
  fputs("</dd>", f);
  if (e->source) {
    fputs("<dt>Source</dt><dd>", f);
    html(f, e->source);
    fputs("</dd>", f);
  }
  if (e->external_id) {
    fputs("<dt>Exchange id</dt><dd>", f);
    html(f, e->external_id);
    fputs("</dd>", f);
  }
  fputs("<dt>Added</dt><dd>", f);
  iso(f, e->added);
  fprintf(f, "</dd><dt>Decisions so far</dt><dd>%" PRIu64 " confirmed, %" PRIu64 " rejected, %"
          PRIu64 " escalated</dd>", e->counts.confirmed, e->counts.rejected, e->counts.escalated);
  if (e->withdrawn)
    fputs("<dt>Status</dt><dd class=\"warn\">withdrawn</dd>", f);
  fputs("</dl>\n<div class=\"items\">\n", f);
  for (size_t i = e->first; i < e->first + e->count; i++)
    write_item(r, &r->items[i], f);
  fputs("</div>\n</section>\n", f);
}

hs_status report_write_html(const rv_report *r, FILE *f) {
  write_head(r, f);
  if (r->nentries == 0)
    fputs("<p id=\"empty\">No match awaits a decision.</p>\n", f);
  for (size_t i = 0; i < r->nentries; i++)
    write_entry(r, &r->entries[i], f);
  fprintf(f, "</main>\n<script>%s</script>\n</body>\n</html>\n", page_script);
  return ferror(f) ? error_set(HS_ERR_IO, "review report: cannot write the page") : HS_OK;
}
