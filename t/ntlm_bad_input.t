# SPDX-License-Identifier: Apache-2.0
# Bad NTLM input at the HTTP level: each a clean 400/401 with a log line,
# never a 500 or a crash, and the server keeps serving NTLM logons.
# AUTHENTICATE cases are answers to the CHALLENGE of their own
# connection, computed from alice's password by t/lib/NTLMForge.pm, with
# one thing changed each: the unchanged message logs on, so each refusal
# (its log line says which check) is that change's.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Apache::TestUtil qw(t_start_error_log_watch t_finish_error_log_watch);
use MIME::Base64 qw(encode_base64);
use lib 't/lib';
use AuthCacheTest;
use NTLMForge qw(:all);

use constant { UNICODE => 0x1, OEM => 0x2, REQ_TARGET => 0x4,
               LM_KEY => 0x80, NTLM => 0x200, KEY_EXCH => 0x40000000 };

sub t1 {   # a NEGOTIATE with flags and what follows them
    my %a = (flags => UNICODE | NTLM | REQ_TARGET, @_);
    return "NTLMSSP\0" . pack('V V', 1, $a{flags}) . ($a{tail} // pack('x16'));
}

my ($host) = split /:/, Apache::TestRequest::hostport();
sub request { my $sock = shift; ntlm_request($sock, $host, '/ntlm/', @_) }

write_ntlm_users(alice => 'Al1ce-ntlm');
my $hash = nt_hash('Al1ce-ntlm', openssl_legacy_conf());
my $neg = type1();

# alice's AUTHENTICATE for a CHALLENGE, with changes %o (NTLMForge::type3)
sub auth { my ($chal, %o) = @_; b64(type3(neg => $neg, chal => $chal, nt_hash => $hash, %o)) }
# the same field, pointing elsewhere: [len, maxlen, offset] of the message
sub field { my ($m, $i) = @_; [unpack 'v v V', substr($m, 12 + 8 * $i, 8)] }

# [name, header values | sub(CHALLENGE) giving them, log line expected]:
# a sub is an AUTHENTICATE, sent after a NEGOTIATE on its connection
my @cases = (
    ['bare NTLM',                     ['NTLM']],
    ['invalid base64',                ['NTLM !!!!****']],
    ['base64 with a space inside',    ['NTLM TlRMTVNT UAABAAAA']],
    ['trailing junk',                 [b64(t1()) . ' junk']],
    ['two Authorization headers',     [b64(t1()), b64(t1())]],
    ['huge token',                    ['NTLM ' . ('A' x 7000)]],
    ['wrong signature',               [b64("NTLMSSX\0" . pack('V', 1) . "\0" x 24)]],
    ['message type 2 from a client',  [b64("NTLMSSP\0" . pack('V', 2) . "\0" x 40)]],
    ['message type 4',                [b64("NTLMSSP\0" . pack('V', 4) . "\0" x 24)]],
    ['truncated NEGOTIATE (10 bytes)', [b64("NTLMSSP\0\1\0")]],
    ['NEGOTIATE of 14 bytes',         [b64("NTLMSSP\0" . pack('V v', 1, 0))]],
    ['NEGOTIATE domain past the end', [b64(t1(tail => pack('v v V', 8, 8, 400) . pack('x8')))]],
    ['NEGOTIATE offset overflow',     [b64(t1(tail => pack('v v V', 0xffff, 0xffff, 0xfffffff0) . pack('x8')))]],
    ['AUTHENTICATE truncated header', sub { auth(shift, mutate => sub { substr shift, 0, 40 }) },
     qr/AUTHENTICATE refused .*: AUTHENTICATE message too short/],
    ['AUTHENTICATE NT past the end',  sub { my $c = shift; auth($c, mutate => sub {
         my $m = shift; my $f = field($m, 1); substr($m, 20, 8) = pack 'v v V', @$f[0, 1], 5000; $m }) },
     qr/field runs past the end of the message/],
    ['AUTHENTICATE offset overflow',  sub { auth(shift, hdr => { user => [0xffff, 0xffff, 0xffffffff] }) },
     qr/field runs past the end of the message/],
    ['AUTHENTICATE field in header',  sub { auth(shift, hdr => { user => [10, 10, 8] }) },
     qr/field overlaps the message header/],
    ['zero-length NT response',       sub { auth(shift, mutate => sub { my $m = shift; substr($m, 20, 4) = pack 'v v', 0, 0; $m }) },
     qr/NT response too short for NTLMv2/],
    ['NTLMv1-sized NT response',      sub { auth(shift, mutate => sub { my $m = shift; substr($m, 20, 4) = pack 'v v', 24, 24; $m }) },
     qr/NTLMv1 is refused/],
    ['NT response of 16 bytes',       sub { auth(shift, mutate => sub { my $m = shift; substr($m, 20, 4) = pack 'v v', 16, 16; $m }) },
     qr/NT response too short for NTLMv2/],
    ['LM only',                       sub { auth(shift, mutate => sub {
         my $m = shift; my $f = field($m, 1);
         substr($m, 12, 8) = pack 'v v V', 24, 24, $f->[2];   # LM: the NT's first 24 bytes
         substr($m, 20, 4) = pack 'v v', 0, 0; $m }) },
     qr/NT response too short for NTLMv2/],
    ['no Unicode flag',               sub { my $c = shift;
         auth($c, flags => (parse_challenge($c)->{flags} & ~UNICODE) | OEM) },
     qr/client did not negotiate Unicode/],
    ['anonymous flag',                sub { my $c = shift; auth($c, flags => parse_challenge($c)->{flags} | F_ANON) },
     qr/anonymous login is refused/],
    ['odd-length user',               sub { auth(shift, mutate => sub { my $m = shift; substr($m, 36, 4) = pack 'v v', 9, 9; $m }) },
     qr/AUTHENTICATE refused .*UTF-16/],
    ['lone surrogate in user',        sub { auth(shift, user_raw => pack('v', 0xd800) . u16('a')) },
     qr/AUTHENTICATE refused .*(surrogate|UTF-16)/],
    ['user of 300 characters',        sub { auth(shift, user => 'u' x 300) },
     qr/name too long/],
    ['bad blob type',                 sub { auth(shift, resp_type => [9, 9]) },
     qr/not an NTLMv2 response/],
    ['MsvAvTimestamp given twice',    sub { auth(shift, pairs => sub { my @p = @_;
         (@p, grep { $_->[0] == AV_TIMESTAMP } @p) }) },
     qr/an AV pair given twice/],
    ['key exchange claimed, with a MIC', sub { my $c = shift;
         auth($c, flags => parse_challenge($c)->{flags} | KEY_EXCH, key => "\5" x 16) },
     qr/MIC mismatch/],
    ['key exchange claimed, no MIC',  sub { my $c = shift;
         auth($c, flags => parse_challenge($c)->{flags} | KEY_EXCH, key => "\5" x 16, mic => 0) },
     qr/NEGOTIATE_KEY_EXCH, which the CHALLENGE did not offer/],
    ['wrong proof (well formed)',     sub { auth(shift, bad_proof => 1) },
     qr/logon of EXAMPLE\\+alice refused .*: wrong password/],
    ['unknown user (well formed)',    sub { auth(shift, user => 'mallory') },
     qr/logon of EXAMPLE\\+mallory refused .*: unknown user/],
    ['Basic credentials',             ['Basic ' . encode_base64('alice:x', '')]],
    ['Negotiate scheme',              ['Negotiate ' . encode_base64(t1(), '')]],
);

my $forged = grep { ref $_->[1] eq 'CODE' } @cases;
plan tests => 3 * @cases + $forged + 5 + 6;

sub handshake {   # a connection that sent its NEGOTIATE, and its CHALLENGE
    my $sock = Apache::TestRequest::vhost_socket() or die "connect: $!";
    my (undef, $head) = request($sock, b64($neg));
    return ($sock, challenge_of($head));
}

# the control: the unchanged AUTHENTICATE logs on
{
    my ($sock, $chal) = handshake();
    my ($code, $head) = request($sock, auth($chal));
    is($code, 200, 'the unchanged AUTHENTICATE logs on');
    like($head, qr/^X-User: EXAMPLE\\alice\r?$/mi, '  as EXAMPLE\\alice');
    ($code) = request($sock);
    is($code, 200, '  and the connection keeps the credential');
}
# a correct answer to the CHALLENGE of another connection
{
    my ($other, $chal) = handshake();
    my $sock = Apache::TestRequest::vhost_socket() or die "connect: $!";
    t_start_error_log_watch();
    my ($code) = request($sock, auth($chal));
    my @log = t_finish_error_log_watch();
    ok($code eq '401' && grep({ /without a NEGOTIATE on this connection/ } @log),
       'AUTHENTICATE without NEGOTIATE on its connection: 401, logged')
        or diag "$code @log";
    ($code) = request($other, auth($chal));
    is($code, 200, '  the same answer on its own connection logs on');
}

for my $c (@cases) {
    my ($name, $auth, $want) = @$c;
    my ($sock, $chal) = ref $auth eq 'CODE' ? handshake()
                      : (Apache::TestRequest::vhost_socket() || die "connect: $!");
    my @auth = ref $auth eq 'CODE' ? $auth->($chal) : @$auth;
    t_start_error_log_watch();
    my ($code) = request($sock, @auth);
    my ($after) = ref $auth eq 'CODE' && $code ne '400' ? request($sock) : ('none');
    close $sock;
    select undef, undef, undef, 0.05;
    my @log = t_finish_error_log_watch();
    ok($code eq '400' || $code eq '401', "$name: clean 400/401 (got $code)");
    if ($want) {
        ok(scalar(grep { /\[authcache:/ && /$want/ } @log), "$name: logged, for that reason")
            or diag "log: @log";
        ok($after eq '401' || $after eq 'none', "$name: no credential kept on the connection");
    }
    else {
        ok(scalar(grep { /\[(authcache|core|http):/ } @log), "$name: logged")
            or diag "log: @log";
    }
    my @r = curl_ntlm(['-u', 'alice:Al1ce-ntlm'], '/ntlm/');
    is($r[0]{code}, 200, "$name: NTLM logons still work");
}

# a client asking for downgrades gets none
my $sock = Apache::TestRequest::vhost_socket() or die;
my ($code, $head) = request($sock, b64(t1(flags => OEM | LM_KEY | KEY_EXCH)));
close $sock;
my ($chal) = $head =~ /^WWW-Authenticate: NTLM (\S+)/mi;
my $flags = unpack 'V', substr(MIME::Base64::decode_base64($chal // ''), 20, 4) . "\0" x 4;
is($code, 401, 'a NEGOTIATE asking for LM_KEY and key exchange is answered');
ok($flags & UNICODE && $flags & NTLM, 'with Unicode and NTLM chosen');
ok(!($flags & (LM_KEY | KEY_EXCH | OEM)), 'and without LM_KEY, key exchange or OEM');

# MaxKeepAliveRequests 1: the challenge leg is free once per handshake,
# so NEGOTIATE after NEGOTIATE cannot hold a connection open for ever
{
    my $old = Apache::TestRequest::module('ntlm_keepalive');
    my $ka = Apache::TestRequest::vhost_socket() or die "connect: $!";
    Apache::TestRequest::module($old);
    my ($c1, $h1) = request($ka, b64(t1()));
    is($c1, 401, 'keep-alive limit 1: the first NEGOTIATE is challenged');
    unlike($h1, qr/^Connection:\s*close/mi, '  and the connection stays open');
    my ($c2, $h2) = request($ka, b64(t1()));
    like($h2, qr/^Connection:\s*close/mi,
         'a second NEGOTIATE without an AUTHENTICATE: the connection closes');
    close $ka;
}
