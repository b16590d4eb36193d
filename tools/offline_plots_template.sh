#!/usr/bin/env bash
# Rebuild .dvc/plots/offline.html: the `dvc plots show` page with vega, vega-lite and
# vega-embed inlined (dvc_render's default page loads them from a CDN, blank offline).
# Needs npm (the npm registry) once; the result is committed, so users never need npm.
set -euo pipefail
cd "$(dirname "$0")/.."
VEGA=5.33.1 LITE=5.23.0 EMBED=6.29.0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for pkg in "vega@$VEGA" "vega-lite@$LITE" "vega-embed@$EMBED"; do
  (cd "$work" && npm pack --silent "$pkg" >/dev/null)
done
for tgz in "$work"/*.tgz; do mkdir -p "${tgz%.tgz}" && tar xzf "$tgz" -C "${tgz%.tgz}"; done
out=.dvc/plots/offline.html
mkdir -p "$(dirname "$out")"
{
  cat <<HTML
<!DOCTYPE html>
<!-- \`dvc plots show\` page that works offline: vega $VEGA, vega-lite $LITE and vega-embed
     $EMBED (BSD-3-Clause, (c) the University of Washington Interactive Data Lab) are inlined
     instead of loaded from a CDN. Set in .dvc/config (plots.html_template); made by
     tools/offline_plots_template.sh from the npm packages' build/*.min.js. -->
<html>
<head>
    {refresh_tag}
    <meta charset="utf-8">
    <title>policytopics: DVC plots</title>
    <style>
        body { font-family: "Noto Sans CJK SC", sans-serif; }
        table { border-spacing: 15px; }
    </style>
HTML
  for js in "vega-$VEGA/package/build/vega.min.js" "vega-lite-$LITE/package/build/vega-lite.min.js" \
            "vega-embed-$EMBED/package/build/vega-embed.min.js"; do
    printf '<script type="text/javascript">\n'; cat "$work/$js"; printf '\n</script>\n'
  done
  cat <<'HTML'
</head>
<body>
    {plot_divs}
</body>
</html>
HTML
} > "$out"
echo "wrote $out ($(wc -c < "$out") bytes)"
