# SPDX-License-Identifier: Apache-2.0
# Extended Protection for NTLM over HTTPS through mod_ssl, on a side
# server with its own self-signed certificates: real clients under
# AuthNTLMChannelBinding Off, Allow and Require (python requests-ntlm
# binds to the TLS channel, curl does not), plain HTTP under Require, a
# relay that terminates TLS with its own certificate, and AUTHENTICATE
# messages with valid proofs (t/lib/NTLMForge.pm) that differ from an
# accepted one in one field each.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use File::Temp qw(tempdir);
use IO::Socket::SSL ();
use IO::Socket::INET ();
use JSON::PP ();
use LWP::UserAgent ();
use lib 't/lib';
use AuthCacheTest;
use NTLMForge qw(:all);

plan tests => 102;

my $dir = tempdir(CLEANUP => 1);
my $vars = Apache::Test::config()->{vars};
my $top = $vars->{top_dir};
chomp(my $moddir = `$vars->{apxs} -q LIBEXECDIR`);

# certificates: the server's (SHA-256, and SHA-384 for a second port) and
# the relay's own, all for localhost
sub cert {
    my ($name, $md) = @_;
    system('openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt',
           'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
           "-$md", '-subj', '/CN=localhost', '-addext',
           'subjectAltName=DNS:localhost,IP:127.0.0.1',
           '-keyout', "$dir/$name.key", '-out', "$dir/$name.pem") == 0
        or die "openssl req failed";
    system('openssl', 'x509', '-in', "$dir/$name.pem", '-outform', 'DER',
           '-out', "$dir/$name.der") == 0 or die "openssl x509 failed";
    return slurp("$dir/$name.der");
}
{ local $ENV{OPENSSL_CONF} = '/dev/null'; local *STDERR; open STDERR, '>', '/dev/null';
  cert('server', 'sha256'); cert('server384', 'sha384'); cert('relay', 'sha256'); }
my $server_der = slurp("$dir/server.der");
my $users = write_ntlm_users(alice => 'Al1ce-ntlm');

my ($https, $https384, $plain) = (free_port(), free_port(), free_port());
my @loc;
for ([off => 'AuthNTLMChannelBinding Off'], ['allow'],
     [require => 'AuthNTLMChannelBinding Require'],
     [mic => 'AuthNTLMRequireMIC On'],
     [spn => 'AuthNTLMServicePrincipalNames HTTP/www.example.com HTTP/*.intra.test']) {
    my ($name, @extra) = @$_;
    push @loc, "<Location /$name>", 'AuthType NTLM', "AuthNTLMUserFile $users",
        'AuthNTLMDomain EXAMPLE', 'Require valid-user',
        'Header always set X-Cached "expr=%{env:AUTHCACHE_CACHED_CRED}"',
        'Header always set X-User "expr=%{REMOTE_USER}"', @extra, '</Location>';
}
my $root = "$dir/side";
side_conf($root, "LoadModule ssl_module $moddir/mod_ssl.so",
    "Listen 127.0.0.1:$https", "Listen 127.0.0.1:$https384",
    "Listen 127.0.0.1:$plain", @loc,
    # a nested section sets the default back
    '<Location /require/allow>', 'AuthNTLMChannelBinding Allow', '</Location>',
    '<Location /authcache-status>', 'SetHandler authcache-status', '</Location>',
    (map { ("<VirtualHost 127.0.0.1:$_->[0]>", 'ServerName localhost',
            'SSLEngine on', "SSLCertificateFile $dir/$_->[1].pem",
            "SSLCertificateKeyFile $dir/$_->[1].key", '</VirtualHost>') }
     [$https, 'server'], [$https384, 'server384']));
side_pages("$root/htdocs", qw(off allow require require/allow mic spn));
my ($started, $out) = side_ctl($root, 'start');
ok($started, 'side server with mod_ssl started') or diag $out;
END { side_ctl($root, 'stop') if $root && -e "$root/httpd.pid" }

my $log_at = 0;
sub new_log {   # error_log lines since the last call
    my $log = slurp("$root/error_log");
    my $new = substr $log, $log_at;
    $log_at = length $log;
    return $new;
}
my $ua = LWP::UserAgent->new(timeout => 10,
    ssl_opts => { SSL_ca_file => "$dir/server.pem", verify_hostname => 1 });
sub side_counters {
    my $res = $ua->get("https://localhost:$https/authcache-status?json");
    die 'status page: ' . $res->status_line unless $res->is_success;
    return JSON::PP::decode_json($res->content);
}
sub delta {
    my $code = shift;
    my $before = side_counters();
    $code->();
    my $after = side_counters();
    return { map { $_ => $after->{$_} =~ /^\d+$/ ? $after->{$_} - $before->{$_} : 0 } keys %$after };
}
sub py {   # requests-ntlm: two GETs on one session, trusting CA
    my ($url, $ca) = @_;
    local $ENV{REQUESTS_CA_BUNDLE} = $ca // "$dir/server.pem";
    return ntlm_client('session', $url, 'EXAMPLE\\alice', 'Al1ce-ntlm', 2);
}
sub curl { curl_ntlm(['--cacert', "$dir/server.pem", '-u', 'alice:Al1ce-ntlm'], @_) }
my $base = "https://localhost:$https";

# --- real clients over HTTPS
my @r;
for my $loc (qw(off allow require)) {
    new_log();
    @r = py("$base/$loc/");
    is_deeply([map { $_->{status} } @r], [200, 200],
              "requests-ntlm (binds to TLS), $loc: logs on");
    is_deeply([map { $_->{cached} } @r], ['0', '1'], "  $loc: then from the cache");
}
for my $loc (qw(off allow)) {
    @r = curl("$base/$loc/", "$base/$loc/");
    is_deeply([map { $_->{code} } @r], [200, 200], "curl (no bindings), $loc: logs on");
    is($r[1]{cached}, '1', "  $loc: then from the cache");
}
new_log();
my $d = delta(sub { @r = curl("$base/require/") });
is($r[0]{code}, 401, 'curl (no bindings), require: refused');
like(new_log(), qr/logon of EXAMPLE\\+alice refused for \/require\/: no channel bindings \(AuthNTLMChannelBinding Require\)/,
     '  logged: no channel bindings');
is($d->{ntlm_refused_bindings}, 1, '  counted as a bindings refusal');
@r = curl("$base/require/allow/");
is($r[0]{code}, 200, 'curl, in a section under require set back to Allow: logs on');

# RFC 5929: a SHA-384 certificate's end point is hashed with SHA-384
@r = py("https://localhost:$https384/require/", "$dir/server384.pem");
is_deeply([map { $_->{status} } @r], [200, 200],
          'requests-ntlm, require, SHA-384 certificate: the bindings agree');

# AuthNTLMRequireMIC On
@r = py("$base/mic/");
is($r[0]{status}, 200, 'requests-ntlm (sends a MIC), RequireMIC: logs on');
new_log();
@r = curl("$base/mic/");
is($r[0]{code}, 401, 'curl (no MIC), RequireMIC: refused');
like(new_log(), qr/refused for \/mic\/: no MIC \(AuthNTLMRequireMIC On\)/, '  logged: no MIC');

# --- plain HTTP on the same server
new_log();
@r = py("http://127.0.0.1:$plain/require/");
is($r[0]{status}, 401, 'plain HTTP, require: requests-ntlm refused');
@r = curl_ntlm(['-u', 'alice:Al1ce-ntlm'], "http://127.0.0.1:$plain/require/");
is($r[0]{code}, 401, 'plain HTTP, require: curl refused');
my $log = new_log();
my $n = () = $log =~ /refused for \/require\/: this connection has no TLS channel to bind to/g;
cmp_ok($n, '>=', 2, '  both logged: no TLS channel to bind to');
@r = py("http://127.0.0.1:$plain/allow/");
is($r[0]{status}, 200, 'plain HTTP, allow: requests-ntlm logs on (it binds to nothing)');

# --- a relay with its own certificate: the victim trusts it, and its
# bindings name the relay's certificate, not the server's
sub relay {
    my $loc = shift;
    my $port = free_port();
    open my $fh, '-|', '/usr/bin/python3', "$top/t/bin/ntlm-relay", $port,
        "$dir/relay.pem", "$dir/relay.key", $https, "$dir/server.pem", "/$loc/"
        or die "ntlm-relay: $!";
    my $ready = <$fh> // '';
    die "relay did not start" unless $ready =~ /listening/;
    my @victim = py("https://localhost:$port/$loc/", "$dir/relay.pem");
    my $line = <$fh>;
    close $fh;
    return ($victim[0]{status}, $line ? JSON::PP::decode_json($line) : {});
}
my ($victim, $probe) = relay('off');
is($victim, 200, 'relay, Off: the relayed logon succeeds (what Off leaves open)');
is_deeply([$probe->{status}, $probe->{cached}, $probe->{user}], [200, '1', 'EXAMPLE\\alice'],
          '  and the relay then uses the cached credential itself');
for my $loc (qw(allow require)) {
    new_log();
    $d = delta(sub { ($victim, $probe) = relay($loc) });
    is($victim, 401, "relay, $loc: the relayed logon is refused");
    is($probe->{status}, 401, "  $loc: and the relay gets no cached credential");
    like(new_log(), qr/refused for \/$loc\/: channel bindings for another TLS certificate than this connection's/,
         "  $loc: logged: bindings of another certificate");
    cmp_ok($d->{ntlm_refused_bindings}, '>=', 1, "  $loc: counted");
}

# --- valid proofs, one field changed: raw TLS sockets
my $hash = nt_hash('Al1ce-ntlm', openssl_legacy_conf());
my $cb = tls_bindings($server_der);
my $neg = type1();

sub conn {   # TLS (or plain for port $plain) socket to the side server
    my $port = shift;
    return IO::Socket::INET->new("127.0.0.1:$port") if $port == $plain;
    my $ca = $port == $https384 ? 'server384' : 'server';
    my $s = IO::Socket::SSL->new(PeerHost => '127.0.0.1', PeerPort => $port,
        SSL_hostname => 'localhost', SSL_verifycn_name => 'localhost',
        SSL_verifycn_scheme => 'http', SSL_ca_file => "$dir/$ca.pem");
    return $s || die "TLS connect: $IO::Socket::SSL::SSL_ERROR";
}
# logs on at PATH with alice's AUTHENTICATE changed by %o (NTLMForge's
# type3, plus neg => the NEGOTIATE to send, flags_add => flags claimed on
# top of the CHALLENGE's: the MIC covers them, so it still verifies):
# (status of the AUTHENTICATE, status of a request without credentials
# after it on the same connection)
sub forged {
    my ($port, $path, %o) = @_;
    my $n = delete $o{neg} // $neg;
    my $add = delete $o{flags_add} // 0;
    my $sock = conn($port);
    my (undef, $head) = ntlm_request($sock, 'localhost', $path, b64($n));
    my $chal = challenge_of($head) or return ('no challenge', '');
    my $m = type3(neg => $n, chal => $chal, nt_hash => $hash,
                  target => "HTTP/localhost:$port", cb => $cb,
                  flags => (parse_challenge($chal)->{flags} & ~F_OEM) | $add,
                  %o);
    my ($code) = ntlm_request($sock, 'localhost', $path, b64($m));
    my ($after) = ntlm_request($sock, 'localhost', $path);
    close $sock;
    return ($code, $after);
}

my @ok = forged($https, '/allow/');
is_deeply(\@ok, [200, 200], 'forged, unchanged (MIC, bindings, HTTP/localhost:port): logs on, cached');
@ok = forged($https, '/require/');
is_deeply(\@ok, [200, 200], 'forged, unchanged, under Require: logs on');

my $now = filetime();
my @cases = (
    ['a stale TimeStamp (10 minutes)', [time => $now - 600 * 10_000_000],
     'timestamp', qr/NTLMv2 TimeStamp is stale/],
    ['a TimeStamp of zero', [time => 0], 'timestamp', qr/NTLMv2 TimeStamp is zero/],
    ['a TimeStamp an hour ahead', [time => $now + 3600 * 10_000_000],
     'timestamp', qr/NTLMv2 TimeStamp is in the future/],
    ['target info changed (NetBIOS computer name)',
     [seen => sub { map { $_->[0] == AV_NB_COMPUTER ? [$_->[0], u16('EVIL01')] : $_ } @_ }],
     'target_info', qr/MsvAvNbComputerName differs from the CHALLENGE's/],
    ['MsvAvTimestamp stripped from the CHALLENGE the client saw (so no MIC)',
     [seen => sub { grep { $_->[0] != AV_TIMESTAMP } @_ }],
     'target_info', qr/MsvAvTimestamp of the CHALLENGE is missing from the response \(stripped in transit\?\)/],
    # a client that names its target but does not bind (as over plain
    # HTTP): the name is all there is to check
    ['MsvAvTargetName cifs/attacker.example, no bindings',
     [target => 'cifs/attacker.example', cb => undef],
     'target_name', qr/MsvAvTargetName 'cifs\/attacker.example' is not this service/],
    ['MsvAvTargetName of another port, no bindings', [target => 'HTTP/localhost:1', cb => undef],
     'target_name', qr/MsvAvTargetName 'HTTP\/localhost:1' is not this service/],
    ['KEY_EXCH without a MIC', [flags_add => F_KEY_EXCH, mic => 0, key => "\x07" x 16],
     'flags', qr/claims NEGOTIATE_KEY_EXCH, which the CHALLENGE did not offer/],
    ['SIGN, not offered', [flags_add => F_SIGN], 'flags', qr/claims NEGOTIATE_SIGN/],
    ['SEAL, never offered', [flags_add => F_SEAL], 'flags', qr/claims NEGOTIATE_SEAL/],
    ['LM_KEY, never offered', [flags_add => F_LM_KEY], 'flags', qr/claims NEGOTIATE_LM_KEY/],
    ['channel bindings of another certificate', [cb => tls_bindings(slurp("$dir/relay.der"))],
     'bindings', qr/channel bindings for another TLS certificate/],
);
for my $c (@cases) {
    my ($name, $o, $counter, $why) = @$c;
    new_log();
    my @res;
    $d = delta(sub { @res = forged($https, '/allow/', @$o) });
    is($res[0], 401, "forged, $name: refused");
    is($res[1], 401, "  no credential cached on the connection");
    like(new_log(), qr/logon of EXAMPLE\\+alice refused for \/allow\/: .*$why/, "  logged: $counter");
    is($d->{"ntlm_refused_$counter"}, 1, "  counted as ntlm_refused_$counter");
}
# SIGN where the client asked for it is offered, so accepted
@ok = forged($https, '/allow/', neg => type1(unpack('V', substr($neg, 12, 4)) | F_SIGN),
             flags_add => F_SIGN);
is($ok[0], 200, 'forged, SIGN asked for in the NEGOTIATE, offered and claimed: logs on');

# the service principal names
@ok = forged($https, '/allow/', cb => undef);
is_deeply(\@ok, [200, 200], 'forged, HTTP/localhost:port and no bindings: logs on, cached');
@ok = forged($https, '/allow/', target => 'http/LOCALHOST', cb => undef);
is($ok[0], 200, 'forged, MsvAvTargetName http/LOCALHOST (no port, other case): logs on');
@ok = forged($https, '/allow/', target => undef, cb => undef);
is($ok[0], 200, 'forged, no MsvAvTargetName, no bindings (as curl): logs on');
@ok = forged($https, '/allow/', target => 'HTTP/alias.example.com');
is($ok[0], 200, 'forged, a name not listed, with this connection\'s bindings: logs on');
new_log();
@ok = forged($https, '/spn/', cb => undef);
is($ok[0], 401, 'forged, AuthNTLMServicePrincipalNames without localhost: HTTP/localhost:port refused');
like(new_log(), qr/MsvAvTargetName 'HTTP\/localhost:\d+' is not this service/, '  logged');
@ok = forged($https, '/spn/', target => 'HTTP/www.example.com', cb => undef);
is($ok[0], 200, '  HTTP/www.example.com, listed: logs on');
@ok = forged($https, '/spn/', target => 'HTTP/app.intra.test', cb => undef);
is($ok[0], 200, '  HTTP/app.intra.test, matching HTTP/*.intra.test: logs on');
@ok = forged($plain, '/allow/', target => 'cifs/attacker.example', cb => undef);
is($ok[0], 401, 'forged, plain HTTP, cifs/attacker.example: refused');

# channel bindings by policy
@ok = forged($https, '/require/', cb => undef);
is($ok[0], 401, 'forged, Require, no bindings: refused');
@ok = forged($https, '/off/', cb => tls_bindings(slurp("$dir/relay.der")));
is($ok[0], 200, 'forged, Off, bindings of another certificate: not checked');
@ok = forged($https384, '/require/', cb => tls_bindings(slurp("$dir/server384.der"), 'sha384'));
is($ok[0], 200, 'forged, SHA-384 certificate, bindings with SHA-384: logs on');
@ok = forged($https384, '/require/', cb => tls_bindings(slurp("$dir/server384.der"), 'sha256'));
is($ok[0], 401, '  with SHA-256 of it instead: refused');
new_log();
@ok = forged($plain, '/allow/');
is($ok[0], 401, 'forged, plain HTTP, Allow, bindings of a TLS certificate: refused');
like(new_log(), qr/channel bindings for a TLS channel, on a connection without one/, '  logged');
@ok = forged($plain, '/allow/', cb => undef, target => "HTTP/localhost:$plain");
is($ok[0], 200, 'forged, plain HTTP, Allow, no bindings: logs on');

unlike(slurp("$root/error_log"), qr/\[authcache:crit\]|exit signal/,
       'no crash in the side server');
ok(side_ctl($root, 'stop'), 'side server stopped');
