# SPDX-License-Identifier: Apache-2.0
# Bad Basic credentials: each a clean 400/401 with a log line, never a
# 500 or a crash, and the server keeps serving good logins afterwards.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Apache::TestUtil qw(t_start_error_log_watch t_finish_error_log_watch);
use MIME::Base64 qw(encode_base64);
use lib 't/lib';
use AuthCacheTest;

sub b64 { 'Basic ' . encode_base64(shift, '') }

# [name, Authorization header lines (raw bytes)]
my @cases = (
    ['no colon',                 [b64('gail')]],
    ['empty user',               [b64(':Gail-pass1')]],
    ['empty password',           [b64('gail:')]],
    ['empty user and password',  [b64(':')]],
    ['overlong user (8 KiB)',    [b64(('u' x 8192) . ':pw')]],
    ['overlong user (5 KiB)',    [b64(('u' x 5000) . ':pw')]],
    ['user just over 512 bytes', [b64(('u' x 513) . ':pw')]],
    ['invalid base64',           ['Basic !!!!****']],
    ['base64 with spaces',       ['Basic Z2Fp bDpH']],
    ['truncated base64',         ['Basic Z2FpbDpHYWlsLXBhc3']],
    ['base64 with trailing junk', ['Basic Z2FpbDpHYWlsLXBhc3Mx junk']],
    ['no credentials after Basic', ['Basic']],
    ['only spaces after Basic',  ['Basic    ']],
    ['other scheme',             ['Bearer abc']],
    ['empty header',             ['']],
    ['NUL inside user',          [b64("ga\0il:Gail-pass1")]],
    ['NUL inside password',      [b64("gail:Gail\0-pass1")]],
    ['raw NUL in header',        ["Basic Z2Fp\0bDpH"]],
    ['non-UTF-8 user',           [b64("g\xe4il:Gail-pass1")]],
    ['overlong UTF-8 user',      [b64("g\xc0\xafil:Gail-pass1")]],
    ['control char in user',     [b64("ga\til:Gail-pass1")]],
    ['backslash first',          [b64('\\gail:Gail-pass1')]],
    ['backslash last',           [b64('gail\\:Gail-pass1')]],
    ['at sign first',            [b64('@gail:Gail-pass1')]],
    ['at sign last',             [b64('gail@:Gail-pass1')]],
    ['two backslashes',          [b64('EX\\AM\\gail:Gail-pass1')]],
    ['backslash and at',         [b64('EX\\gail@ex:Gail-pass1')]],
    ['several Authorization headers',
                                 [b64('gail:Gail-pass1'), b64('gail:Gail-pass1')]],
    ['good then bad header',     [b64('gail:Gail-pass1'), 'Basic !!']],
    ['header with CR inside',    ["Basic Z2Fp\rbDpH"]],
);

plan tests => 3 * @cases + 2;

write_users('users-a', gail => 'Gail-pass1');
my ($host, $port) = split /:/, Apache::TestRequest::hostport();

sub raw_request {
    my @auth = @_;
    my $sock = Apache::TestRequest::vhost_socket() or die "connect: $!";
    my $req = "GET /basic/ HTTP/1.1\r\nHost: $host\r\nConnection: close\r\n";
    $req .= "Authorization: $_\r\n" for @auth;
    print $sock "$req\r\n";
    my $status = <$sock> // '';
    1 while <$sock>;
    close $sock;
    return $status =~ m{^HTTP/1\.\d (\d{3})} ? $1 : "no response ($status)";
}

for my $c (@cases) {
    my ($name, $auth) = @$c;
    t_start_error_log_watch();
    my $code = raw_request(@$auth);
    select undef, undef, undef, 0.05;   # let the log line land
    my @log = t_finish_error_log_watch();
    ok($code eq '400' || $code eq '401', "$name: clean 400/401 (got $code)");
    ok(scalar(grep { /\[(auth_basic|authcache|core|http):/ } @log),
       "$name: logged") or diag "log was: @log";
    is(basic_get('/basic/', 'gail', 'Gail-pass1')->code, 200,
       "$name: server still serves a good login");
}

my $j = counters();
cmp_ok($j->{bad_input}, '>=', 10, 'malformed credentials counted');
is($j->{store_errors}, 0, 'no store errors');
