# Sourced by .ci/run for the tools built from a Go module (helm).
#
# go_tool NAME PACKAGE VERSION builds PACKAGE@VERSION with `go install` once, into
# ${ALOWARE_KENDO_CACHE:-$HOME/.cache/aloware-kendo}/bin/NAME-VERSION/, and prints the path of
# the binary. The build is reused while it is there; another version gets a directory of its
# own. Concurrent runs wait for one another (flock). When the build fails, the last lines of
# its log and a loud banner go to stderr and the function returns non-zero: a check that
# could not build its tool never passes.

go_tool() {
  local name=$1 pkg=$2 version=$3
  local cache=${ALOWARE_KENDO_CACHE:-$HOME/.cache/aloware-kendo}
  local dir=$cache/bin/$name-$version
  command -v go >/dev/null || { echo "go_tool: go is not installed" >&2; return 1; }
  if [ -x "$dir/$name" ]; then
    echo "go_tool: reusing $dir/$name" >&2
    echo "$dir/$name"
    return 0
  fi
  mkdir -p "$dir" || return 1
  (
    flock 9
    if [ -x "$dir/$name" ]; then exit 0; fi
    echo "go_tool: building $pkg@$version into $dir (takes minutes the first time)" >&2
    local t0 rc
    t0=$(date +%s)
    # Outside the repository, so our go.mod neither pins nor records the tool's modules.
    (cd "$dir" && GOBIN="$dir/.partial" go install "$pkg@$version") >"$dir/install.log" 2>&1
    rc=$?
    echo "exit $rc after $(($(date +%s) - t0)) s" >>"$dir/install.log"
    if [ $rc -ne 0 ] || [ ! -x "$dir/.partial/$name" ]; then
      tail -n 30 "$dir/install.log" >&2
      {
        echo
        echo "################################################################################"
        echo "## go install OF $name $version FAILED (exit $rc): the check that needs it DID NOT RUN."
        echo "## Full log: $dir/install.log"
        echo "################################################################################"
        echo
      } >&2
      exit 1
    fi
    mv "$dir/.partial/$name" "$dir/$name" && rmdir "$dir/.partial"
    echo "go_tool: built $name $version in $(($(date +%s) - t0)) s" >&2
  ) 9>"$cache/bin/$name.lock" || return 1
  echo "$dir/$name"
}
