#!/bin/sh
# Refresh the site's vendored browser libraries and boundary data from the npm
# registry (maintainers only; the files are committed, so neither `make run`
# nor the site needs npm or the network). Versions are pinned here.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
dest="$here/src/goinglocal/site/static/vendor"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm init -y >/dev/null
npm install --no-audit --no-fund --silent \
  leaflet@1.9.4 world-atlas@2.0.2 topojson-client@3.1.0 \
  d3-force@3.0.1 d3-quadtree@3.0.2 d3-dispatch@3.0.2 d3-timer@3.0.2
m=node_modules
rm -rf "$dest" && mkdir -p "$dest/leaflet" "$dest/world-atlas" "$dest/topojson-client" "$dest/d3"
cp $m/leaflet/dist/leaflet.js $m/leaflet/dist/leaflet.css $m/leaflet/LICENSE "$dest/leaflet/"
cp $m/world-atlas/countries-50m.json $m/world-atlas/LICENSE "$dest/world-atlas/"
cp $m/topojson-client/dist/topojson-client.min.js $m/topojson-client/LICENSE "$dest/topojson-client/"
for p in d3-dispatch d3-quadtree d3-timer d3-force; do
  cp $m/$p/dist/$p.min.js "$dest/d3/"
  cp $m/$p/LICENSE "$dest/d3/LICENSE-$p"
done
{
  echo "# Vendored browser assets (from the npm registry by tools/vendor_site_assets.sh)"
  echo
  for p in leaflet world-atlas topojson-client d3-dispatch d3-quadtree d3-timer d3-force; do
    node -e "const p=require('./$m/$p/package.json');console.log('- '+p.name+' '+p.version+' ('+p.license+')')"
  done
  echo
  echo "world-atlas/countries-50m.json is Natural Earth's 1:50m admin-0 countries (public domain) as TopoJSON."
} > "$dest/VENDOR.md"
echo "vendored into $dest"
