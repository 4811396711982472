#!/usr/bin/env bash
# Builds the base images of Kaminari's container images without a registry or a Docker daemon, the way distroless
# images are assembled: files of Debian 12 packages plus a jlinked JRE, as deterministic layer tarballs. Jib (pom.xml)
# takes them as `tar://` base images and adds the application layers.
#
#   bash docker/build-base.sh OUT_DIR
#
# writes, in `docker save` format:
#   OUT_DIR/runtime.tar        one layer "runtime": glibc, libstdc++, libgcc, zlib (Debian packages of this machine),
#                              a JRE jlinked from this machine's JDK 17 at /opt/java/openjdk, `ls` (Hadoop's local
#                              file system needs it), /etc/passwd and group (root, kaminari 10001, spark 185), /tmp
#                              and /var/kaminari (mode 1777: volume mount points). No shell. The scorer image's base.
#   OUT_DIR/runtime-shell.tar  the same runtime layer plus a layer "shell": bash (also /bin/sh), coreutils, grep, sed,
#                              getent, tini, GoBGP's client `gobgp` (`kaminari mitigate` announces through it with
#                              mitigation.mode=announce) and the libraries they link. The jobs image's base (Spark's
#                              entrypoint and bin/ scripts are bash scripts).
#   OUT_DIR/packages.txt       the Debian packages (name=version) whose files the layers hold.
#
# Needs: a Debian-based machine with openjdk-17-jdk-headless (jlink and the jmods), tini, gobgpd, and the packages
# listed below installed (.ci/run installs them); tar, sha256sum, ldd. Runs as any user: every file is root-owned in
# the tarballs whoever builds them. The same machine packages give byte-identical layers (sorted entries, fixed mtime).
set -euo pipefail

out=${1:?usage: build-base.sh OUT_DIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work="$out/work"
rm -rf "$work"
mkdir -p "$work"

# Libraries the JRE (libz, libstdc++ via libjvm) and libtorch (libstdc++, libgcc_s; it bundles its own libgomp) link.
RUNTIME_PACKAGES=(libc6 libgcc-s1 libstdc++6 zlib1g)
# What Spark's entrypoint.sh, bin/spark-class and the DAGs' registry scripts (head, cut) call.
SHELL_PACKAGES=(bash coreutils grep sed)
# Modules of the JRE: Java SE plus the jdk.* runtime modules that Spark, Hadoop (Kerberos, JNDI DNS), Kafka (SASL,
# EC TLS), the scorer (jdk.httpserver) and Netty/Unsafe users need; no compiler, debugger or other JDK tools.
JRE_MODULES=java.se,jdk.unsupported,jdk.crypto.ec,jdk.crypto.cryptoki,jdk.httpserver,jdk.security.auth,\
jdk.security.jgss,jdk.naming.dns,jdk.naming.rmi,jdk.management,jdk.management.agent,jdk.management.jfr,jdk.jfr,\
jdk.zipfs,jdk.charsets,jdk.localedata,jdk.net,jdk.nio.mapmode,jdk.xml.dom,jdk.random,jdk.dynalink
MTIME='1970-01-01 00:00:01Z' # what Jib stamps its own files with

die() { echo "build-base.sh: $*" >&2; exit 1; }

java_bin=$(readlink -f "$(command -v java)") || die "no java on PATH"
jdk=${JAVA_HOME:-$(dirname "$(dirname "$java_bin")")}
[ -x "$jdk/bin/jlink" ] && [ -d "$jdk/jmods" ] || die "$jdk has no jlink/jmods: install openjdk-17-jdk-headless"
"$jdk/bin/java" -version 2>&1 | grep -q '"17\.' || die "$jdk is not a JDK 17"

# Copies every file and symlink of a Debian package (not its docs: /usr/share) into a stage directory, at its
# canonical path (/lib/x86_64-linux-gnu/x -> /usr/lib/x86_64-linux-gnu/x, as on a merged-/usr Debian 12).
copy_package() {
  local stage=$1 pkg=$2 f dir
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
    || die "package $pkg is not installed (apt-get install $pkg)"
  dpkg-query -W -f='${Package}=${Version}\n' "$pkg" >> "$out/packages.txt"
  while IFS= read -r f; do
    case "$f" in /usr/share/*|/etc/*|/.) continue ;; esac
    [ -L "$f" ] || [ -f "$f" ] || continue
    dir=$(readlink -f "$(dirname "$f")")
    mkdir -p "$stage$dir"
    cp -a "$f" "$stage$dir/"
  done < <(dpkg-query -L "$pkg")
}

# Copies one host file (and the chain of symlinks leading to it) to the same canonical path in a stage directory.
copy_file() {
  local stage=$1 f=$2 dir
  while :; do
    dir=$(readlink -f "$(dirname "$f")")
    mkdir -p "$stage$dir"
    cp -a "$f" "$stage$dir/"
    [ -L "$f" ] || break
    local target
    target=$(readlink "$f")
    case "$target" in /*) f=$target ;; *) f="$dir/$target" ;; esac
  done
}

# Copies every library that an executable under a stage links and that neither the stage nor another stage (the
# layer below) holds, recording its package.
add_libraries() {
  local stage=$1 below=${2:-} lib canon
  while IFS= read -r lib; do
    case "$lib" in "$stage"/*) continue ;; esac # the JRE's own libraries, found by its $ORIGIN run path
    canon="$(readlink -f "$(dirname "$lib")")/$(basename "$lib")"
    [ -e "$stage$canon" ] || [ -L "$stage$canon" ] && continue
    [ -n "$below" ] && { [ -e "$below$canon" ] || [ -L "$below$canon" ]; } && continue
    copy_file "$stage" "$lib"
    owner_of "$lib" >> "$out/packages.txt"
  done < <(find "$stage" -type f -perm -u+x -exec ldd {} \; 2>/dev/null \
    | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | sort -u)
}

# The package (name=version) that owns a file, by any of the names dpkg may know it under (/lib or /usr/lib, ...).
owner_of() {
  local real p pkg
  real=$(readlink -f "$1")
  for p in "$1" "$real" "${real#/usr}"; do
    if pkg=$(dpkg-query -S "$p" 2>/dev/null | head -n 1 | cut -d: -f1) && [ -n "$pkg" ]; then
      dpkg-query -W -f='${Package}=${Version}\n' "$pkg"
      return
    fi
  done
  die "no installed package owns $1"
}

# The merged-/usr skeleton both layers share.
skeleton() {
  local stage=$1
  mkdir -p "$stage"/usr/{bin,sbin,lib,lib64} "$stage"/etc
  ln -sfn usr/bin "$stage/bin"
  ln -sfn usr/sbin "$stage/sbin"
  ln -sfn usr/lib "$stage/lib"
  ln -sfn usr/lib64 "$stage/lib64"
}

# A deterministic tarball of a directory's content: entries sorted, named without "./" (Jib refuses that entry),
# root-owned, one mtime.
tarball_of() {
  local dir=$1 tarball=$2
  (cd "$dir" && find . -mindepth 1 | sed 's,^\./,,' | LC_ALL=C sort) \
    | tar --create --file "$tarball" --directory "$dir" --no-recursion --files-from - --format=gnu \
      --mtime="$MTIME" --owner=0 --group=0 --numeric-owner
}

# A deterministic layer tarball of a stage directory; prints its sha256 (the diff id).
layer() {
  local stage=$1 tarball=$2
  tarball_of "$stage" "$tarball"
  sha256sum "$tarball" | cut -d ' ' -f 1
}

# A `docker save` archive of the given layers (name:diffid ...) with the given env and user.
archive() {
  local tarball=$1 tag=$2 user=$3
  shift 3
  local dir="$work/${tag//[:\/]/_}" layers="" diffs="" sep=""
  rm -rf "$dir"
  mkdir -p "$dir"
  for l in "$@"; do
    cp "$work/${l%%:*}.tar" "$dir/${l%%:*}.tar"
    layers+="$sep\"${l%%:*}.tar\""
    diffs+="$sep\"sha256:${l#*:}\""
    sep=","
  done
  printf '{"architecture":"amd64","os":"linux","config":{"User":"%s","Env":["PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","JAVA_HOME=/opt/java/openjdk","LANG=C.UTF-8"]},"rootfs":{"type":"layers","diff_ids":[%s]}}\n' \
    "$user" "$diffs" > "$dir/config.json"
  printf '[{"Config":"config.json","RepoTags":["%s"],"Layers":[%s]}]\n' "$tag" "$layers" > "$dir/manifest.json"
  tarball_of "$dir" "$tarball"
}

: > "$out/packages.txt"

# --- layer 1: runtime ---------------------------------------------------------------------------------------------
rt="$work/runtime"
skeleton "$rt"
for p in "${RUNTIME_PACKAGES[@]}"; do copy_package "$rt" "$p"; done
# Hadoop's local file system (a file:// model store, the scorer's registry reads) runs `ls -ld` for every file's
# permissions when its native library is absent, as it is here: the runtime layer has `ls`, and no shell.
copy_file "$rt" "$(readlink -f "$(command -v ls)")"
owner_of "$(command -v ls)" >> "$out/packages.txt"
mkdir -p "$rt/opt/java"
"$jdk/bin/jlink" --add-modules "$JRE_MODULES" --strip-debug --no-man-pages --no-header-files \
  --output "$rt/opt/java/openjdk"
{ owner_of "$jdk/jmods/java.base.jmod" 2>/dev/null || echo "jdk=$("$jdk/bin/java" -XshowSettings:properties \
  -version 2>&1 | sed -n 's/^ *java.runtime.version = //p')"; } >> "$out/packages.txt"
add_libraries "$rt"
cat > "$rt/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
spark:x:185:185:Spark:/opt/spark/work-dir:/sbin/nologin
kaminari:x:10001:10001:Kaminari scorer:/var/kaminari:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
EOF
cat > "$rt/etc/group" <<'EOF'
root:x:0:
spark:x:185:
kaminari:x:10001:
nogroup:x:65534:
EOF
printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$rt/etc/nsswitch.conf"
mkdir -p "$rt/tmp" "$rt/var/kaminari" "$rt/root"
chmod 1777 "$rt/tmp" "$rt/var/kaminari"
chmod 0700 "$rt/root"
runtime_id=$(layer "$rt" "$work/runtime.tar")

# --- layer 2: shell -----------------------------------------------------------------------------------------------
sh_="$work/shell"
skeleton "$sh_"
for p in "${SHELL_PACKAGES[@]}"; do copy_package "$sh_" "$p"; done
copy_file "$sh_" "$(readlink -f "$(command -v getent)")"
dpkg-query -W -f='${Package}=${Version}\n' libc-bin >> "$out/packages.txt"
dpkg-query -W -f='${Status}' tini 2>/dev/null | grep -q 'install ok installed' || die "apt-get install tini"
dpkg-query -W -f='${Package}=${Version}\n' tini >> "$out/packages.txt"
cp /usr/bin/tini-static "$sh_/usr/bin/tini" # static: the entrypoint's process reaper needs no library
# GoBGP's client only (the daemon runs elsewhere): what GobgpApi runs to announce a mitigation.
dpkg-query -W -f='${Status}' gobgpd 2>/dev/null | grep -q 'install ok installed' || die "apt-get install gobgpd"
dpkg-query -W -f='${Package}=${Version}\n' gobgpd >> "$out/packages.txt"
copy_file "$sh_" /usr/bin/gobgp
ln -sfn bash "$sh_/usr/bin/sh"
mkdir -p "$sh_/opt/spark/work-dir" # Spark's working directory in its images (read-only here: jobs write to volumes)
add_libraries "$sh_" "$rt" # libtinfo (bash), libselinux, libpcre2, libacl... whatever the runtime layer lacks
shell_id=$(layer "$sh_" "$work/shell.tar")

sort -u -o "$out/packages.txt" "$out/packages.txt"
archive "$out/runtime.tar" kaminari-base:runtime 0 "runtime:$runtime_id"
archive "$out/runtime-shell.tar" kaminari-base:runtime-shell 0 "runtime:$runtime_id" "shell:$shell_id"
rm -rf "$work"
echo "build-base.sh: $out/runtime.tar $out/runtime-shell.tar ($(wc -l < "$out/packages.txt") packages)"
