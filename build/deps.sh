# shellcheck shell=bash disable=SC2034  # sourced: its arrays are used by the caller
# Sourced by build/test, build/demo, build/bench and .ci/run: installs
# missing Debian packages when root, otherwise says which sudo command to run.

# What building the module needs.
BUILD_PACKAGES=(gcc make autoconf pkg-config apache2 apache2-dev apache2-utils
                libapr1-dev libaprutil1-dev libssl-dev curl)
# What the test suite needs on top (Apache::Test ships in mod_perl's package).
TEST_PACKAGES=(libapache2-mod-perl2 libwww-perl perl util-linux redis-server
               libauthen-ntlm-perl python3 python3-requests-ntlm
               libwbclient-dev samba winbind samba-dsdb-modules
               python3-requests php8.2-fpm python3-prometheus-client shellcheck
               openssl libio-socket-ssl-perl liblwp-protocol-https-perl
               libkrb5-dev krb5-user python3-gssapi python3-requests-kerberos
                python3-cryptography gss-ntlmssp krb5-kdc krb5-admin-server)
# What build/package needs to build the Debian package (dh_apache2 is in
# apache2-dev).
PACKAGE_PACKAGES=(dpkg-dev debhelper fakeroot libwbclient-dev)
# What build/bench needs on top: its load clients (wrk, libcurl, GSSAPI),
# the NTLM and Kerberos peer it compares against, gnuplot for its chart,
# kinit for the Kerberos bench (its KDC: build/samba-dc's packages), and
# valgrind for the instruction counts (callgrind).
BENCH_PACKAGES=(python3 wrk util-linux procps libcurl4-openssl-dev libkrb5-dev
                libapache2-mod-auth-gssapi gss-ntlmssp gnuplot-nox krb5-user
                valgrind)
# Wanted, not required: real fuzzing (without them the corpus is replayed).
FUZZ_PACKAGES=(clang libclang-rt-dev)

authcache_missing() {
    local p missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' \
            || missing+=("$p")
    done
    echo "${missing[*]}"
}

# need_packages PKG...: every one must be there afterwards.
need_packages() {
    local missing
    missing=$(authcache_missing "$@")
    [ -z "$missing" ] && return 0
    if ! command -v apt-get >/dev/null; then
        echo "mod_authcache: missing packages ($missing) and no apt-get here;" \
             "install their equivalents and retry" >&2
        exit 1
    fi
    if [ "$(id -u)" != 0 ]; then
        echo "mod_authcache: missing Debian packages. Run:" >&2
        echo "  sudo apt-get install -y $missing" >&2
        exit 1
    fi
    echo "mod_authcache: installing $missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
}

# want_packages PKG...: installed when possible, never fatal.
want_packages() {
    local missing
    missing=$(authcache_missing "$@")
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing \
            >/dev/null 2>&1 || echo "mod_authcache: optional $missing not installed"
    else
        echo "mod_authcache: optional packages for fuzzing: sudo apt-get install $missing"
    fi
}

# Configures and builds the module and test programs. An existing
# configuration is checked again, with the arguments it was made with
# (config.status --recheck, under a second): what configure finds may
# have changed since (build/demo configures before build/test installs
# libwbclient-dev and clang), and make rebuilds what a change affects.
authcache_build() {
    [ -x configure ] && [ configure -nt configure.ac ] || autoconf
    if [ -f config.status ] && [ -f Makefile ]; then
        ./config.status --recheck >/dev/null && ./config.status -q
    else
        ./configure -q
    fi
    make -s
}
