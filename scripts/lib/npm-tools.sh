# Sourced by the scripts that run npm tools (lint-openapi.sh, ts-client.sh).
#
# npm_tools NAME DIR installs the packages pinned by DIR/package.json and DIR/package-lock.json
# once, into ${ALOWARE_KENDO_CACHE:-$HOME/.cache/aloware-kendo}/NAME-<hash of the lockfile>, and
# prints that directory. The install is reused while every pinned package is installed at its
# pinned version; a changed lockfile gets a directory of its own. Concurrent runs wait for one
# another (flock). When npm fails, the last lines of its log and a loud banner go to stderr and
# the function returns non-zero: a check that could not install its tools never passes.

npm_tools() {
  local name=$1 src=$2
  local cache=${ALOWARE_KENDO_CACHE:-$HOME/.cache/aloware-kendo}
  command -v node >/dev/null || { echo "npm_tools: node is not installed" >&2; return 1; }
  command -v npm >/dev/null || { echo "npm_tools: npm is not installed" >&2; return 1; }
  [ -f "$src/package.json" ] && [ -f "$src/package-lock.json" ] ||
    { echo "npm_tools: $src needs package.json and package-lock.json" >&2; return 1; }
  local hash dir
  hash=$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -c1-12)
  dir=$cache/$name-$hash
  if _npm_tools_current "$dir"; then
    echo "npm_tools: reusing $dir" >&2
    echo "$dir"
    return 0
  fi
  mkdir -p "$dir" || return 1
  (
    flock 9
    if _npm_tools_current "$dir"; then exit 0; fi
    echo "npm_tools: installing $name from the npm registry into $dir" >&2
    cp "$src/package.json" "$src/package-lock.json" "$dir/" || exit 1
    local t0 rc
    t0=$(date +%s)
    (cd "$dir" && rm -rf node_modules && NO_UPDATE_NOTIFIER=1 npm ci --no-audit --no-fund) >"$dir/install.log" 2>&1
    rc=$?
    echo "exit $rc after $(($(date +%s) - t0)) s" >>"$dir/install.log"
    if [ $rc -ne 0 ] || ! _npm_tools_current "$dir"; then
      tail -n 30 "$dir/install.log" >&2
      {
        echo
        echo "################################################################################"
        echo "## npm INSTALL OF $name FAILED (npm exit $rc): the check that needs it DID NOT RUN."
        echo "## Full log: $dir/install.log"
        echo "################################################################################"
        echo
      } >&2
      exit 1
    fi
    echo "npm_tools: installed $name in $(($(date +%s) - t0)) s" >&2
  ) 9>"$cache/$name.lock" || return 1
  echo "$dir"
}

# _npm_tools_current DIR: every package pinned in DIR/package.json is installed at its version.
_npm_tools_current() {
  [ -f "$1/package.json" ] && [ -d "$1/node_modules" ] || return 1
  (cd "$1" && node -e '
    const pkg = require("./package.json");
    const pinned = { ...pkg.dependencies, ...pkg.devDependencies };
    for (const [name, version] of Object.entries(pinned)) {
      let got;
      try { got = require("./node_modules/" + name + "/package.json").version; } catch { process.exit(1); }
      if (got !== version) process.exit(1);
    }' 2>/dev/null)
}
