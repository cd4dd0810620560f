# Bad NTLM input at the HTTP level: each a clean 400/401 with a log line,
# never a 500 or a crash, and the server keeps serving NTLM logons.
# AUTHENTICATE cases are sent after a NEGOTIATE on the same connection, so
# they reach the message parser rather than the missing-handshake check.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Apache::TestUtil qw(t_start_error_log_watch t_finish_error_log_watch);
use MIME::Base64 qw(encode_base64);
use lib 't/lib';
use AuthCacheTest;

use constant { UNICODE => 0x1, OEM => 0x2, REQ_TARGET => 0x4,
               LM_KEY => 0x80, NTLM => 0x200, ANON => 0x800,
               KEY_EXCH => 0x40000000 };

sub u16 { join '', map { pack 'v', ord } split //, shift }

sub type1 {
    my %a = (flags => UNICODE | NTLM | REQ_TARGET, @_);
    return "NTLMSSP\0" . pack('V V', 1, $a{flags}) . ($a{tail} // pack('x16'));
}

# an NTLMv2-shaped response: proof, then a blob with an EOL-only AV list
sub ntv2 {
    return ("\x11" x 16) . pack('C C x6', 1, 1) . ("\0" x 8) . ("\xaa" x 8)
         . pack('x4') . pack('v v', 0, 0) . pack('x4');
}

# type3(field => [data], ...; hdr => {field => [len, maxlen, offset]},
# flags => N): fields lm nt dom user ws key, payload from offset 64
sub type3 {
    my %a = @_;
    my %data = (lm => "\0" x 24, nt => ntv2(), dom => u16('EXAMPLE'),
                user => u16('alice'), ws => u16('WS'), key => '',
                %{ $a{data} // {} });
    my ($off, $hdr, $payload) = (64, '', '');
    for my $f (qw(lm nt dom user ws key)) {
        my $len = length $data{$f};
        my $h = $a{hdr}{$f} // [$len, $len, $off];
        $hdr .= pack 'v v V', @$h;
        $payload .= $data{$f};
        $off += $len;
    }
    return "NTLMSSP\0" . pack('V', 3) . $hdr
         . pack('V', $a{flags} // (UNICODE | NTLM)) . $payload;
}

sub b64 { 'NTLM ' . encode_base64(shift, '') }

my ($host) = split /:/, Apache::TestRequest::hostport();
sub request {   # one request on an open socket: (status, headers text)
    my ($sock, @auth) = @_;
    my $req = "GET /ntlm/ HTTP/1.1\r\nHost: $host\r\n";
    $req .= "Authorization: $_\r\n" for @auth;
    print $sock "$req\r\n";
    my $status = <$sock> // '';
    my ($head, $len) = ('', 0);
    while (defined(my $l = <$sock>)) {
        last if $l eq "\r\n";
        $head .= $l;
        $len = $1 if $l =~ /^Content-Length:\s*(\d+)/i;
    }
    read $sock, my $body, $len if $len;
    return ($status =~ m{^HTTP/1\.\d (\d{3})} ? $1 : "none", $head);
}

# [name, header values of the request, send a NEGOTIATE first?]
my @cases = (
    ['bare NTLM',                     ['NTLM']],
    ['invalid base64',                ['NTLM !!!!****']],
    ['base64 with a space inside',    ['NTLM TlRMTVNT UAABAAAA']],
    ['trailing junk',                 [b64(type1()) . ' junk']],
    ['two Authorization headers',     [b64(type1()), b64(type1())]],
    ['huge token',                    ['NTLM ' . ('A' x 7000)]],
    ['wrong signature',               [b64("NTLMSSX\0" . pack('V', 1) . "\0" x 24)]],
    ['message type 2 from a client',  [b64("NTLMSSP\0" . pack('V', 2) . "\0" x 40)]],
    ['message type 4',                [b64("NTLMSSP\0" . pack('V', 4) . "\0" x 24)]],
    ['truncated NEGOTIATE (10 bytes)', [b64("NTLMSSP\0\1\0")]],
    ['NEGOTIATE of 14 bytes',         [b64("NTLMSSP\0" . pack('V v', 1, 0))]],
    ['NEGOTIATE domain past the end', [b64(type1(tail => pack('v v V', 8, 8, 400) . pack('x8')))]],
    ['NEGOTIATE offset overflow',     [b64(type1(tail => pack('v v V', 0xffff, 0xffff, 0xfffffff0) . pack('x8')))]],
    ['AUTHENTICATE without NEGOTIATE', [b64(type3())]],
    ['AUTHENTICATE truncated header', [b64(substr(type3(), 0, 40))], 1],
    ['AUTHENTICATE NT past the end',  [b64(type3(hdr => { nt => [60, 60, 5000] }))], 1],
    ['AUTHENTICATE offset overflow',  [b64(type3(hdr => { user => [0xffff, 0xffff, 0xffffffff] }))], 1],
    ['AUTHENTICATE field in header',  [b64(type3(hdr => { user => [10, 10, 8] }))], 1],
    ['zero-length NT response',       [b64(type3(data => { nt => '' }))], 1],
    ['NTLMv1-sized NT response',      [b64(type3(data => { nt => "\1" x 24 }))], 1],
    ['NT response of 16 bytes',       [b64(type3(data => { nt => "\1" x 16 }))], 1],
    ['LM only',                       [b64(type3(data => { nt => '', lm => "\1" x 24 }))], 1],
    ['no Unicode flag',               [b64(type3(flags => OEM | NTLM))], 1],
    ['anonymous',                     [b64(type3(data => { user => '', nt => '', lm => "\0" }, flags => UNICODE | NTLM | ANON))], 1],
    ['odd-length user',               [b64(type3(data => { user => 'abc' }))], 1],
    ['lone surrogate in user',        [b64(type3(data => { user => pack('v', 0xd800) . u16('a') }))], 1],
    ['user of 300 characters',        [b64(type3(data => { user => u16('u' x 300) }))], 1],
    ['bad blob type',                 [b64(type3(data => { nt => ("\x11" x 16) . pack('C C x6', 9, 9) . "\0" x 24 }))], 1],
    ['key exchange claimed',          [b64(type3(flags => UNICODE | NTLM | KEY_EXCH, data => { key => "\5" x 16 }))], 1],
    ['wrong proof (well formed)',     [b64(type3())], 1],
    ['unknown user (well formed)',    [b64(type3(data => { user => u16('mallory') }))], 1],
    ['Basic credentials',             ['Basic ' . encode_base64('alice:x', '')]],
    ['Negotiate scheme',              ['Negotiate ' . encode_base64(type1(), '')]],
);

plan tests => 3 * @cases + 6;

write_ntlm_users(alice => 'Al1ce-ntlm');
for my $c (@cases) {
    my ($name, $auth, $negotiate_first) = @$c;
    my $sock = Apache::TestRequest::vhost_socket() or die "connect: $!";
    request($sock, b64(type1())) if $negotiate_first;
    t_start_error_log_watch();
    my ($code) = request($sock, @$auth);
    close $sock;
    select undef, undef, undef, 0.05;
    my @log = t_finish_error_log_watch();
    ok($code eq '400' || $code eq '401', "$name: clean 400/401 (got $code)");
    ok(scalar(grep { /\[(authcache|core|http):/ } @log), "$name: logged")
        or diag "log: @log";
    my @r = curl_ntlm(['-u', 'alice:Al1ce-ntlm'], '/ntlm/');
    is($r[0]{code}, 200, "$name: NTLM logons still work");
}

# a client asking for downgrades gets none
my $sock = Apache::TestRequest::vhost_socket() or die;
my ($code, $head) = request($sock, b64(type1(flags => OEM | LM_KEY | KEY_EXCH)));
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
    my ($c1, $h1) = request($ka, b64(type1()));
    is($c1, 401, 'keep-alive limit 1: the first NEGOTIATE is challenged');
    unlike($h1, qr/^Connection:\s*close/mi, '  and the connection stays open');
    my ($c2, $h2) = request($ka, b64(type1()));
    like($h2, qr/^Connection:\s*close/mi,
         'a second NEGOTIATE without an AUTHENTICATE: the connection closes');
    close $ka;
}
