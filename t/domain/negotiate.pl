#!/usr/bin/perl
# SPDX-License-Identifier: Apache-2.0
# AuthType Negotiate (Kerberos) in front of a real Active Directory KDC
# (Samba, build/samba-dc): an SPN keytab exported for this httpd, users
# kinit'ed with MIT krb5-user, real clients (curl --negotiate,
# python3-requests-kerberos, python3-gssapi), the identity cached on the
# connection, the KDC's own count of requests, refused tickets, bad input,
# channel bindings over TLS.
#
# Runs as root (it exports keys from the DC); httpd's children run as
# nobody. Needs AUTHCACHE_DC_DIR from `build/samba-dc start`.
use strict;
use warnings FATAL => 'all';
use Test::More;
use File::Temp qw(tempdir);
use IO::Socket::INET ();
use JSON::PP ();
use LWP::UserAgent ();
use MIME::Base64 ();

my $top = $ENV{AUTHCACHE_TOP} or die "AUTHCACHE_TOP not set";
my $dc = $ENV{AUTHCACHE_DC_DIR} or die "AUTHCACHE_DC_DIR not set: start build/samba-dc";
my $samba = "$top/build/samba-dc";
my $httpd = $ENV{AUTHCACHE_HTTPD} // '/usr/sbin/apache2';
my $moddir = $ENV{AUTHCACHE_MODDIR} // '/usr/lib/apache2/modules';
my $client = "/usr/bin/python3 $top/t/bin/negotiate-client";

sub dc_user { system($samba, 'user', $dc, @_) == 0 or die "samba-dc user @_" }
sub kdccount { my $n = `$samba kdccount $dc`; chomp $n; $n =~ /^\d+$/ or die "kdccount: $n"; $n }
sub free_port { my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1', LocalPort => 0); my $p = $s->sockport; close $s; $p }

my $dir = tempdir(CLEANUP => 1);
chmod 0755, $dir;

# --- Kerberos for clients and httpd: the DC's KDC on loopback
$ENV{KRB5_CONFIG} = "$dir/krb5.conf";
open my $kc, '>', $ENV{KRB5_CONFIG} or die;
print $kc <<"EOF";
[libdefaults]
    default_realm = EXAMPLE.TEST
    dns_lookup_kdc = false
    dns_lookup_realm = false
    dns_canonicalize_hostname = false
    rdns = false
    # short, so that an expired ticket is refused within the test's time
    clockskew = 10
[realms]
    EXAMPLE.TEST = {
        kdc = 127.0.0.1
    }
[domain_realm]
    localhost = EXAMPLE.TEST
    other.test = EXAMPLE.TEST
EOF
close $kc;
chmod 0644, $ENV{KRB5_CONFIG};
$ENV{KRB5RCACHEDIR} = "$dir/rcache";     # httpd's replay cache, ours alone
mkdir $ENV{KRB5RCACHEDIR}; chmod 0777, $ENV{KRB5RCACHEDIR};

dc_user('alice', 'Al1ce-Domain!', 'Web Users');
dc_user('bob', 'B0b-Domain!');
system($samba, 'keytab', $dc, "$dir/http.keytab", 'httpsvc', 'HTTP/localhost') == 0 or die 'keytab';
system($samba, 'keytab', $dc, "$dir/http.keytab", 'othersvc', 'HTTP/other.test') == 0 or die 'keytab';
system('chown', 'nobody', "$dir/http.keytab") == 0 or die;
chmod 0600, "$dir/http.keytab";

sub kinit {
    my ($user, $pass, $name) = @_;
    my $cc = "FILE:$dir/cc." . ($name // $user);
    open my $p, '|-', "KRB5CCNAME=$cc kinit $user\@EXAMPLE.TEST >/dev/null" or die;
    print $p "$pass\n";
    close $p or die "kinit $user failed";
    return $cc;
}
my $kdc_before = kdccount();
$ENV{KRB5CCNAME} = kinit('alice', 'Al1ce-Domain!');
cmp_ok(kdccount() - $kdc_before, '>=', 1, 'kinit: the KDC count moves (what counts KDC traffic works)');

# --- a server certificate for TLS
system('openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost',
       '-days', '2', '-keyout', "$dir/key.pem", '-out', "$dir/cert.pem", '-loglevel', 'error') == 0
    or system('openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost',
              '-days', '2', '-keyout', "$dir/key.pem", '-out', "$dir/cert.pem") == 0 or die 'openssl';
chmod 0644, "$dir/key.pem";

# --- an httpd of our own, as root with children as nobody
my ($port, $tls) = (free_port(), free_port());
my $base = "http://localhost:$port";
my $sbase = "https://localhost:$tls";
mkdir "$dir/htdocs";
my @paths = qw(neg neg-nocache neg-other neg-upn neg-any cb-off cb-require both neg-group neg-sub);
for my $d (@paths) {
    mkdir "$dir/htdocs/$d";
    open my $f, '>', "$dir/htdocs/$d/index.html" or die; print $f "$d\n"; close $f;
}
for (['page', 'neg-upn'], ['other', 'neg-other']) {   # a subrequest into another section
    open my $f, '>', "$dir/htdocs/neg-sub/$_->[0].shtml" or die;
    print $f "page:<!--#include virtual=\"/$_->[1]/index.html\" -->:end\n"; close $f;
}
chmod 0755, "$dir/htdocs", glob("$dir/htdocs/*");
chmod 0644, glob("$dir/htdocs/*/*");
my $loc = sub {
    my ($path, @lines) = @_;
    return ("<Location /$path>", 'AuthType Negotiate', "AuthNegotiateKeytab $dir/http.keytab",
            @lines, (grep { /^Require / } @lines) ? () : 'Require valid-user',
            'Header always set X-Cached "expr=%{env:AUTHCACHE_CACHED_CRED}"',
            'Header always set X-Source "expr=%{env:AUTHCACHE_SOURCE}"',
            'Header always set X-User "expr=%{REMOTE_USER}"',
            '</Location>');
};
open my $fh, '>', "$dir/httpd.conf" or die;
print $fh join "\n",
    (map { "LoadModule ${_}_module $moddir/mod_$_.so" }
         qw(mpm_event authn_core authz_core authz_user socache_shmcb headers dir ssl include)),
    "LoadModule authcache_module $top/mod_authcache/.libs/mod_authcache.so",
    'User nobody', 'Group nogroup', 'ServerName localhost',
    "ServerRoot $dir", "PidFile $dir/httpd.pid", "ErrorLog $dir/error_log",
    "DefaultRuntimeDir $dir", "Listen 127.0.0.1:$port", "Listen 127.0.0.1:$tls",
    "DocumentRoot $dir/htdocs", 'LogLevel info authcache:debug', 'KeepAlive On',
    'MaxKeepAliveRequests 0', 'DirectoryIndex index.html',
    "<VirtualHost 127.0.0.1:$tls>", 'ServerName localhost', 'SSLEngine on',
    "SSLCertificateFile $dir/cert.pem", "SSLCertificateKeyFile $dir/key.pem", '</VirtualHost>',
    $loc->('neg'),
    $loc->('neg-nocache', 'DisableKerberosCredentialCaching On'),
    $loc->('neg-other', 'AuthNegotiateServicePrincipal HTTP/other.test'),
    $loc->('neg-upn', 'AuthNTLMUserFormat UPN'),
    $loc->('neg-any', 'AuthNegotiateServicePrincipal Any'),
    $loc->('cb-off', 'AuthNTLMChannelBinding Off'),
    $loc->('cb-require', 'AuthNTLMChannelBinding Require'),
    $loc->('both', 'AuthNegotiateOfferNTLM On', 'AuthNTLMProvider winbind', 'AuthNTLMDomain EXAMPLE'),
    $loc->('neg-group', 'AuthNegotiateGroups winbind', 'Require authcache-group "EXAMPLE\\Web Users"',
          'AuthzSendForbiddenOnFailure On'),
    $loc->('neg-sub', 'Options +Includes', 'SetOutputFilter INCLUDES'),
    '<Location /authcache-status>', 'SetHandler authcache-status', 'Require all granted', '</Location>', '';
close $fh;
sub httpd { system($httpd, '-f', "$dir/httpd.conf", '-k', shift) }
httpd('start') == 0 or die 'httpd start';
END { httpd('stop') if $dir && -e "$dir/httpd.pid" }
my $ua = LWP::UserAgent->new(timeout => 10);
for (1 .. 50) { last if $ua->get("$base/authcache-status?json")->is_success; select undef, undef, undef, 0.1 }
sub counters { JSON::PP::decode_json($ua->get("$base/authcache-status?json")->content) }

# curl over one connection: "code|cached|user|source" per URL
sub curl {
    my ($opts, @urls) = @_;
    my @cmd = ('curl', '-sk', @$opts, map { ('-o', '/dev/null', '-w',
        '%{http_code}|%header{X-Cached}|%header{X-User}|%header{X-Source}\n', $_) } @urls);
    open my $p, '-|', @cmd or die;
    my @out = map { chomp; $_ } <$p>;
    close $p;
    return @out;
}
sub neg { curl(['--negotiate', '-u', ':'], map { m{^https?:} ? $_ : "$base/$_/" } @_) }
sub with_token { my ($tok, @urls) = @_; curl(['-H', "Authorization: Negotiate $tok"], map { m{^https?:} ? $_ : "$base/$_/" } @urls) }
sub token { my $t = `$client token @_`; chomp $t; $t =~ m{^[A-Za-z0-9+/=]{100,}$} or die "no token: $t"; $t }
sub session {
    my ($url, $n) = @_;
    return map { my $j = JSON::PP::decode_json($_); "$j->{status} $j->{cached} $j->{user}" }
           grep { /^\{/ } `$client session $url $n`;
}

# --- Kerberos with real clients, cached on the connection
my ($kdc0, $k0) = (kdccount(), counters());
my @r = neg('neg', 'neg');
like($r[0], qr/^200\|0\|EXAMPLE\\alice\|negotiate-kerberos$/, 'curl --negotiate: alice logs on with a Kerberos ticket');
like($r[1], qr/^200\|1\|EXAMPLE\\alice\|negotiate-kerberos$/, 'curl: the next request from the connection cache');
my $kdc_first = kdccount() - $kdc0;
is($kdc_first, 1, "  the KDC saw curl's one ticket request (TGS-REQ for HTTP/localhost)");
is_deeply([session("$base/neg/", 2)], ['200 0 EXAMPLE\\alice', '200 1 EXAMPLE\\alice'],
          'requests-kerberos: a logon, then from the cache');
like((neg('neg-upn'))[0], qr/^200\|0\|alice\@EXAMPLE.TEST\|/, 'AuthNTLMUserFormat UPN: user@REALM');

my ($kdc, $k) = (kdccount(), counters());
@r = neg(('neg') x 200);
is(scalar(grep { /^200\|/ } @r), 200, 'Kerberos: 200 requests on one keep-alive connection');
is(scalar(grep { /^200\|1\|/ } @r), 199, '  199 of them from the cached identity');
is(kdccount() - $kdc, 0, '  no KDC traffic at all (the service ticket is reused from the ccache)');
my $c = counters();
is($c->{negotiate_logons} - $k->{negotiate_logons}, 1, '  1 ticket accepted by GSSAPI for 200 requests');
is($c->{negotiate_cache_hits} - $k->{negotiate_cache_hits}, 199, '  199 cache hits counted');
$k = $c;
@r = neg(('neg-nocache') x 50);
is(scalar(grep { /^200\|0\|/ } @r), 50, 'DisableKerberosCredentialCaching: 50 requests, none from the cache');
is(counters()->{negotiate_logons} - $k->{negotiate_logons}, 50, '  50 tickets accepted');

# a section whose credential scope differs: a new ticket, not the cached identity
@r = neg('neg', 'neg-upn', 'neg');
like($r[1], qr/^200\|0\|/, 'another section (scope): the cached identity does not serve it');

# --- groups for Require authcache-group, from winbind (AuthNegotiateGroups)
sub lookups { my $n = `grep -c 'groups of EXAMPLE.* from winbind' $dir/error_log`; chomp $n; $n }
{
    my ($wb, $kdc1) = (lookups(), kdccount());
    @r = neg(('neg-group') x 5);
    like($r[0], qr/^200\|0\|EXAMPLE\\alice\|/, 'Require authcache-group: alice (in EXAMPLE\\Web Users) gets in, groups from winbind');
    is(scalar(grep { /^200\|1\|EXAMPLE\\alice\|/ } @r[1 .. 4]), 4, '  the next 4 requests from the connection cache, groups and all');
    is(lookups() - $wb, 1, '  one winbind group lookup for the 5 requests (the logon)');
    is(kdccount() - $kdc1, 0, '  and no KDC traffic (the service ticket is in the ccache)');
    local $ENV{KRB5CCNAME} = kinit('bob', 'B0b-Domain!');
    like((neg('neg-group'))[0], qr/^403\|/, 'Require authcache-group: bob, not in the group, is refused (403)');
}

# --- a subrequest into another section (mod_include): the token cannot
# be accepted twice, so what accepted it is checked against that
# section's acceptor (same keytab and service principal: served)
sub pages {
    my @cmd = ('curl', '-s', '--negotiate', '-u', ':', map { ('-w', '|%{http_code}|%header{X-Cached}#', "$base/neg-sub/$_") } @_);
    open my $p, '-|', @cmd or die;
    my $out = do { local $/; <$p> };
    close $p;
    return split /#/, $out =~ s/\n//gr;
}
@r = pages('page.shtml', 'page.shtml');
is($r[0], 'page:neg-upn:end|200|0', 'a subrequest into another section with the same keytab and principal: included');
is($r[1], 'page:neg-upn:end|200|1', '  the next request, and its include, from the connection cache');
like((pages('other.shtml'))[0], qr/^page:\[an error occurred while processing this directive\]:end\|200\|0$/,
     'a subrequest into a section for another service principal: refused');
ok(`grep -c 'does not serve /neg-other/index.html.*another AuthNegotiateServicePrincipal' $dir/error_log` > 0, '  the log says why');

# --- a purge drops the connection's Kerberos identity (tools/authcache-purge's POST)
{
    my $k1 = counters();
    my $w = '%{http_code}|%header{X-Cached}|%{num_connects}\n';
    open my $p, '-|', 'curl', '-s', '--negotiate', '-u', ':', '-o', '/dev/null', '-w', $w, "$base/neg/",
        '-o', '/dev/null', '-w', $w, "$base/neg/", '--next', '-s', '-o', '/dev/null', '-w', 'purge %{http_code}\n',
        '-H', 'X-Authcache-Purge: 1', '--data-urlencode', 'user=EXAMPLE\\alice', "$base/authcache-status",
        '--next', '-s', '--negotiate', '-u', ':', '-o', '/dev/null', '-w', $w, "$base/neg/" or die;
    my @p = map { chomp; $_ } <$p>;
    close $p;
    is_deeply(\@p, ['200|0|1', '200|1|0', 'purge 200', '200|0|0'],
              'purge EXAMPLE\\alice: her cached Kerberos identity is refused, a new ticket on the same connection');
    is(counters()->{purged_refused} - $k1->{purged_refused}, 1, '  the refused identity counted');
}

# --- refused tickets
my $tok = token('HTTP@localhost');
like((with_token($tok, 'neg'))[0], qr/^200\|0\|EXAMPLE\\alice/, 'a token from python-gssapi is accepted once');
like((with_token($tok, 'neg'))[0], qr/^401\|/, 'the same token again (a replay, new connection): refused');
ok(`grep -c 'Request is a replay' $dir/error_log` > 0, '  the log says it was a replay');
my $other = token('HTTP@other.test');
like((with_token($other, 'neg'))[0], qr/^401\|/, 'a ticket for another service (HTTP/other.test, key in the keytab): refused');
like((with_token($other, 'neg-other'))[0], qr/^200\|0\|EXAMPLE\\alice/, '  the same ticket where that service is configured: accepted');
like((with_token(token('HTTP@other.test'), 'neg-any'))[0], qr/^200\|/, 'AuthNegotiateServicePrincipal Any: any key of the keytab');
{
    my $raw = MIME::Base64::decode_base64(token('HTTP@localhost'));
    substr($raw, length($raw) - 40, 1) ^= "\x01";    # inside the encrypted authenticator
    like((with_token(MIME::Base64::encode_base64($raw, ''), 'neg'))[0], qr/^401\|/, 'a token with one bit flipped: refused');
}
{
    # a service ticket of 20 s (Samba's KDC refuses a TGS request with a
    # TGT of minutes, so the TGT is a normal one and the service ticket is
    # asked for short: gss_init_sec_context's time_req); the server's clock
    # skew is 10 s (krb5.conf)
    my $cc = kinit('alice', 'Al1ce-Domain!', 'short');
    local $ENV{KRB5CCNAME} = $cc;
    my ($now, $later) = map { token('HTTP@localhost', '--lifetime', 20) } 1, 2;
    like((with_token($now, 'neg'))[0], qr/^200\|0\|EXAMPLE\\alice/, 'a short-lived ticket (20 s) is accepted while valid');
    my ($end) = `klist $cc` =~ m{\S+\s+\S+\s+(\S+\s+\d\d:\d\d:\d\d)\s+HTTP/localhost};
    $end //= '?';
    sleep 34;
    like((with_token($later, 'neg'))[0], qr/^401\|/, "  another token of the same ticket after its end ($end) and the skew: refused");
    ok(`grep -c 'Ticket expired' $dir/error_log` > 0, '  the log says the ticket expired');
}
{
    local $ENV{KRB5CCNAME} = kinit('bob', 'B0b-Domain!');
    my $bob = token('HTTP@localhost');
    system($samba, 'disable', $dc, 'bob') == 0 or die;
    # the ticket was issued: the KDC's later view does not reach the keytab check
    like((with_token($bob, 'neg'))[0], qr/^200\|0\|EXAMPLE\\bob/, 'a ticket issued before its account was disabled is still valid (Kerberos semantics)');
    system($samba, 'enable', $dc, 'bob') == 0 or die;
}

# --- a client of another realm: OTHER.TEST, its own KDC (MIT krb5kdc on a
# free loopback port), which this server and EXAMPLE.TEST do not trust.
# Its user gets a ticket for HTTP/localhost@OTHER.TEST from there; the
# server holds no key of that realm, so the ticket cannot be accepted.
my $kdc_pid;
{
    my ($o, $kport) = ("$dir/other", free_port());
    mkdir $o;
    open my $f, '>', "$o/kdc.conf" or die;
    print $f "[realms]\n    OTHER.TEST = {\n        database_name = $o/principal\n        key_stash_file = $o/stash\n"
           . "        kdc_listen = 127.0.0.1:$kport\n        kdc_tcp_listen = 127.0.0.1:$kport\n    }\n"
           . "[logging]\n    kdc = FILE:$o/kdc.log\n";
    close $f;
    open $f, '>', "$o/krb5.conf" or die;
    print $f "[libdefaults]\n    default_realm = OTHER.TEST\n    dns_lookup_kdc = false\n    rdns = false\n"
           . "    dns_canonicalize_hostname = false\n[realms]\n    OTHER.TEST = {\n        kdc = 127.0.0.1:$kport\n    }\n"
           . "[domain_realm]\n    localhost = OTHER.TEST\n";
    close $f;
    local $ENV{KRB5_KDC_PROFILE} = "$o/kdc.conf";
    local $ENV{KRB5_CONFIG} = "$o/krb5.conf";
    system("kdb5_util -r OTHER.TEST create -s -P 'Mast3r-Other!' >/dev/null 2>&1") == 0 or die 'kdb5_util create';
    for my $q ("addprinc -pw Car0l-Other! carol", 'addprinc -randkey HTTP/localhost') {
        system("kadmin.local -r OTHER.TEST -q '$q' >/dev/null 2>&1") == 0 or die "kadmin.local $q";
    }
    defined($kdc_pid = fork) or die;
    if (!$kdc_pid) { open STDOUT, '>', '/dev/null'; open STDERR, '>', '/dev/null'; exec 'krb5kdc', '-n', '-r', 'OTHER.TEST' or exit 1 }
    my $cc = "FILE:$dir/cc.carol";
    my $ok;
    for (1 .. 50) {
        open my $p, '|-', "KRB5CCNAME=$cc kinit carol\@OTHER.TEST >/dev/null 2>&1" or die;
        print $p "Car0l-Other!\n";
        last if ($ok = close $p);
        select undef, undef, undef, 0.2;
    }
    ok($ok, 'another realm: carol@OTHER.TEST has a TGT from her own KDC');
    local $ENV{KRB5CCNAME} = $cc;
    my $carol = token('HTTP@localhost');
    like((with_token($carol, 'neg'))[0], qr/^401\|/, 'a ticket of another realm (OTHER.TEST, not trusted): refused');
    like((with_token(token('HTTP@localhost'), 'neg-any'))[0], qr/^401\|/, '  also where any key of the keytab is accepted');
    ok(`grep -c 'refused.*OTHER.TEST' $dir/error_log` > 0, '  the log names the realm');
}
END { kill 'TERM', $kdc_pid if $kdc_pid }

# --- bad input: one change each to an otherwise valid header

my $ntlm1 = MIME::Base64::encode_base64("NTLMSSP\0\1\0\0\0\x07\x82\x08\xa2" . ("\0" x 16), '');
my @bad = (
    ['Negotiate', 400, 'no token'],
    ['Negotiate !!!!', 400, 'not base64'],
    ['Negotiate ' . ('A' x 100) . ' B', 400, 'two words'],
    ['Negotiate AAAA', 401, 'three zero bytes'],
    ["Negotiate $ntlm1", 401, 'a bare NTLMSSP NEGOTIATE'],
    ['Negotiate ' . substr($tok, 0, 200), 401, 'a truncated token'],
    ['Negotiate ' . MIME::Base64::encode_base64("\x60\x06\x06\x04\x2a\x03\x04\x05", ''), 401, 'a GSSAPI token of an unknown mechanism'],
);
$k = counters();
for my $b (@bad) {
    my ($code) = split /\|/, (curl(['-H', "Authorization: $b->[0]"], "$base/neg/"))[0];
    is($code, $b->[1], "bad input: $b->[2] -> $b->[1]");
}
is(counters()->{negotiate_logons} - $k->{negotiate_logons}, 0, 'bad input: none reaches GSSAPI (the SPNEGO parser refuses it first)');
like((curl([], "$base/neg/"))[0], qr/^401\|/, 'no header: 401');
like(`curl -s -o /dev/null -D - $base/neg/`, qr/^WWW-Authenticate: Negotiate\r?$/mi, '  with WWW-Authenticate: Negotiate');

# --- Negotiate and NTLM offered by one location (AuthNegotiateOfferNTLM)
my @hdrs = grep { /^WWW-Authenticate:/i } split /\r?\n/, `curl -s -o /dev/null -D - $base/both/`;
is_deeply([map { s/\s+$//r } @hdrs], ['WWW-Authenticate: Negotiate', 'WWW-Authenticate: NTLM'],
          'both offered: a 401 with Negotiate first, then NTLM');
@r = curl(['--ntlm', '-u', 'EXAMPLE\\alice:Al1ce-Domain!'], ("$base/both/") x 2);
like($r[0], qr/^200\|0\|EXAMPLE\\alice\|ntlm-connection$/, 'both offered: an NTLM-only client (curl --ntlm) logs on with NTLM');
like($r[1], qr/^200\|1\|EXAMPLE\\alice\|ntlm-connection$/, '  and its next request from the connection cache');
@r = neg(('both') x 2);
like($r[0], qr/^200\|0\|EXAMPLE\\alice\|negotiate-kerberos$/, 'both offered: a Kerberos client (curl --negotiate) logs on with Kerberos');
like($r[1], qr/^200\|1\|EXAMPLE\\alice\|negotiate-kerberos$/, '  and its next request from the connection cache');
like((curl(['--ntlm', '-u', 'EXAMPLE\\alice:Al1ce-Domain!'], "$base/neg/"))[0], qr/^401\|/,
     'Negotiate without AuthNegotiateOfferNTLM: an NTLM client is refused');

# --- channel binding over TLS (AuthNTLMChannelBinding)
my $pem = "$dir/cert.pem";
like((with_token(token('HTTP@localhost', '--cb-cert', $pem), "$sbase/neg/"))[0], qr/^200\|/, 'TLS, Allow: a token bound to this certificate');
like((with_token(token('HTTP@localhost', '--cb-wrong'), "$sbase/neg/"))[0], qr/^401\|/, 'TLS, Allow: a token bound to another certificate is refused');
like((neg("$sbase/neg/"))[0], qr/^200\|/, 'TLS, Allow: curl (unbound) is accepted');
like((neg("$sbase/cb-require/"))[0], qr/^401\|/, 'TLS, Require: curl (unbound) is refused');
like((with_token(token('HTTP@localhost', '--cb-cert', $pem), "$sbase/cb-require/"))[0], qr/^200\|/, 'TLS, Require: a bound token is accepted');
like((with_token(token('HTTP@localhost', '--cb-wrong'), "$sbase/cb-off/"))[0], qr/^200\|/, 'TLS, Off: bindings are not checked');
is_deeply([session("$sbase/neg/", 2)], ['200 0 EXAMPLE\\alice', '200 1 EXAMPLE\\alice'],
          'TLS, Allow: requests-kerberos logs on, then from the cache');
# Debian 12's python3-kerberos has no channelBindings: requests-kerberos
# then sends its tokens unbound, whatever send_cbt says
like((session("$sbase/cb-require/", 1))[0], qr/^401 /, 'TLS, Require: requests-kerberos (unbound on Debian 12) is refused');

diag "KDC requests for curl's first logon: $kdc_first; for 200 cached requests: 0";
done_testing();
