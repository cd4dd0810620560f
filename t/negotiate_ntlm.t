# SPDX-License-Identifier: Apache-2.0
# AuthType Negotiate from a client without a Kerberos ticket: NTLM inside
# SPNEGO, from real GSSAPI initiators (curl --negotiate and python3-gssapi,
# both MIT's SPNEGO with gss-ntlmssp, credentials from NTLM_USER_FILE and
# an empty ticket cache), verified by the module's own NTLM code against
# an AuthNTLMUserFile: logon, the cache on the keep-alive connection,
# wrong password, the mechListMIC both ways, scope, tokens GSSAPI must
# never see.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use JSON::PP ();
use MIME::Base64 qw(encode_base64 decode_base64);
use lib 't/lib';
use AuthCacheTest;

plan tests => 37;

my $top = Apache::Test::vars('top_dir');
my $run = Apache::Test::vars('serverroot') . '/run';
my $base = 'http://' . Apache::TestRequest::hostport();
write_ntlm_users(alice => 'Al1ce-spnego');
write_ntlm_file('ntlm-users-other', alice => 'Al1ce-spnego');

# the client side: gss-ntlmssp's users file, no ticket, no realm
sub client_env {
    my ($pass) = @_;
    my $file = "$run/gss-ntlmssp-users";
    open my $fh, '>', $file or die $!;
    print $fh "EXAMPLE:alice:$pass\n";
    close $fh;
    return (NTLM_USER_FILE => $file, KRB5CCNAME => "FILE:$run/no-such-ccache",
            KRB5_CONFIG => '/dev/null');
}

# curl --negotiate over one connection: a hash per URL
sub curl_neg {
    my ($pass, @paths) = @_;
    local %ENV = (%ENV, client_env($pass));
    my @cmd = ('curl', '-s', '--negotiate', '-u', ':',
               map { ('-o', '/dev/null', '-w',
                      '%{http_code}|%header{X-Cached}|%header{X-User}|'
                      . '%header{X-Source}|%{num_connects}\n', "$base$_") } @paths);
    open my $p, '-|', @cmd or die "curl: $!";
    my @out = map { chomp; my @f = split /\|/, $_, -1;
                    +{ code => $f[0], cached => $f[1], user => $f[2],
                       source => $f[3], connects => $f[4] } } <$p>;
    close $p;
    return @out;
}

# t/bin/spnego-client: a hash per response
sub spnego_client {
    my ($pass, @args) = @_;
    local %ENV = (%ENV, client_env($pass));
    open my $p, '-|', '/usr/bin/python3', "$top/t/bin/spnego-client", @args
        or die "spnego-client: $!";
    my @out = map { JSON::PP::decode_json($_) } grep { /^\{/ } <$p>;
    close $p;
    return @out;
}

my ($d, @r);

# --- curl --negotiate: logon, then the connection's credential
$d = counter_delta(sub { @r = curl_neg('Al1ce-spnego', '/negntlm/', '/negntlm/') });
is_deeply([map { $_->{code} } @r], [200, 200], 'curl --negotiate: both requests succeed');
is($r[0]{cached}, '0', 'the first by an NTLM handshake inside SPNEGO');
is($r[1]{cached}, '1', 'the second from the connection\'s credential');
is($r[1]{connects}, '0', '  on the same connection');
is_deeply([map { $_->{source} } @r], ['negotiate-ntlm', 'negotiate-ntlm'],
          'AUTHCACHE_SOURCE=negotiate-ntlm');
is($r[1]{user}, 'EXAMPLE\\alice', 'REMOTE_USER is DOMAIN\\user');
is($d->{ntlm_logons}, 1, 'one authority call');
is($d->{ntlm_cache_hits}, 1, 'one cache hit');
is($d->{negotiate_logons}, 0, 'GSSAPI never called');

$d = counter_delta(sub { @r = curl_neg('Wrong-pass', '/negntlm/') });
is($r[0]{code}, 401, 'wrong password: refused');
is($d->{ntlm_denials}, 1, '  by the authority');

# --- the challenge: a NegTokenResp carrying the CHALLENGE
my $neg = encode_base64(pack('H*', '604806062b0601050502a03e303ca00e300c060a2b06010401823702020aa22a04284e544c4d5353500001000000178208e200000000000000000000000000000000060200000000000f'), '');
my $res = raw_auth_get('/negntlm/', "Negotiate $neg");
is($res->code, 401, 'a NegTokenInit with an NTLM NEGOTIATE: 401');
my ($tok) = ($res->header('WWW-Authenticate') // '') =~ /^Negotiate (\S+)$/;
my $der = decode_base64($tok // '');
is(unpack('H2', $der), 'a1', 'WWW-Authenticate: Negotiate <NegTokenResp>');
like(unpack('H*', $der), qr/^a1(?:81)?..30(?:81)?..a0030a0101a10c060a2b06010401823702020aa2/,
     '  accept-incomplete, supportedMech NTLMSSP, then the responseToken');
like($der, qr/NTLMSSP\0\x02\0\0\0/, '  which is an NTLM CHALLENGE');

# --- python3-gssapi: the server's mechListMIC verified by MIT's SPNEGO
@r = spnego_client('Al1ce-spnego', "$base/negntlm/", 2);
is($r[0]{status}, 200, 'python3-gssapi: logged on');
ok($r[0]{mutual}, '  and its SPNEGO accepted the server\'s final token (mechListMIC)');
is($r[0]{legs}, 2, '  in two legs');
is_deeply([$r[1]{status}, $r[1]{cached}, $r[1]{source}], [200, '1', 'negotiate-ntlm'],
          '  the next request from the cache');

# --- a negative test each: one bit changed
$d = counter_delta(sub { @r = spnego_client('Al1ce-spnego', "$base/negntlm/", 1, '--corrupt-mic') });
is($r[0]{status}, 401, 'one bit of the client\'s mechListMIC flipped: refused');
is($d->{negotiate_ntlm_refused_mic}, 1, '  counted as negotiate_ntlm_refused_mic');
is($d->{ntlm_logons}, 1, '  after the authority verified the password');
$d = counter_delta(sub { @r = spnego_client('Al1ce-spnego', "$base/negntlm/", 1, '--add-mech') });
is($r[0]{status}, 401, 'a mechanism added to the NegTokenInit\'s mechTypes: refused');
is($d->{negotiate_ntlm_refused_mic}, 1, '  by the mechListMIC');

$d = counter_delta(sub { @r = spnego_client('Al1ce-spnego', "$base/negntlm/", 1, '--bare-authenticate') });
is($r[0]{status}, 401, 'the AUTHENTICATE sent bare, out of its NegTokenResp (no mechListMIC): refused');
is($d->{ntlm_logons}, 0, '  before any authority call: it answers a challenge sent inside SPNEGO');

# --- scope: another section's authority verifies for itself
$d = counter_delta(sub { @r = curl_neg('Al1ce-spnego', '/negntlm/', '/negntlm/other/', '/negntlm/other/') });
is_deeply([map { $_->{code} } @r], [200, 200, 200], 'scope: all three succeed');
is($r[1]{cached}, '0', '  another authority\'s section logs on again');
is($r[2]{cached}, '1', '  and then serves from the cache');
is($d->{ntlm_logons}, 2, '  two authority calls');

# --- tokens GSSAPI must never see, nor this module take
$d = counter_delta(sub {
    # a GSS InitialContextToken of gss-ntlmssp's own mechanism
    $res = raw_auth_get('/negntlm/', 'Negotiate ' . encode_base64(pack('H*',
        '602c06' . '0a2b06010401823702020a' . '4e544c4d5353500001000000178208e200000000000000000000000000000000'), ''));
});
is($res->code, 401, 'a raw NTLMSSP-mechanism GSS token: refused');
is($d->{negotiate_bad_input}, 1, '  as bad input, before GSSAPI');
$d = counter_delta(sub {
    $res = raw_auth_get('/negntlm/', 'Negotiate ' . encode_base64(pack('H*', 'a1073005a0030a0107'), ''));
});
is($res->code, 401, 'a NegTokenResp with negState 7: refused');
is($d->{negotiate_bad_input}, 1, '  as bad input');

# --- a section without an NTLM authority stays Kerberos-only
$d = counter_delta(sub { $res = raw_auth_get('/negkrb/', "Negotiate $neg") });
is($res->header('WWW-Authenticate'), 'Negotiate',
   'no AuthNTLMProvider/AuthNTLMUserFile: NTLM inside SPNEGO refused, no CHALLENGE');
is($d->{ntlm_handshakes}, 0, '  no NTLM handshake begun');

# --- a bare NTLMSSP NEGOTIATE (Windows without SPNEGO): a bare CHALLENGE
$res = raw_auth_get('/negntlm/', 'Negotiate ' . encode_base64(pack('H*', '4e544c4d5353500001000000178208e200000000000000000000000000000000'), ''));
($tok) = ($res->header('WWW-Authenticate') // '') =~ /^Negotiate (\S+)$/;
like(decode_base64($tok // ''), qr/^NTLMSSP\0\x02\0\0\0/,
     'a bare NTLMSSP NEGOTIATE in Negotiate: a bare CHALLENGE back');
