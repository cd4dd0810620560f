# SPDX-License-Identifier: Apache-2.0
# Bad Digest credentials at the HTTP level: each a clean 400/401 with a
# log line, never a 500 or a crash; good logons keep working.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Apache::TestUtil qw(t_start_error_log_watch t_finish_error_log_watch);
use lib 't/lib';
use AuthCacheTest;

my $realm = 'digest@test';
write_digest_users($realm, dora => 'D0ra-digest');
my ($c) = grep { $_->{algorithm} eq 'SHA-256' }
          digest_challenges(Apache::TestRequest::GET('/digest/shaonly/'));
my %ok = (user => 'dora', password => 'D0ra-digest', challenge => $c,
          uri => '/digest/shaonly/');
my $good = digest_authorization(%ok);
(my $n = $c->{nonce}) =~ s/"/\\"/g;
my $base = qq{username="dora", realm="$realm", nonce="$n", uri="/digest/shaonly/", }
         . qq{qop=auth, nc=00000001, cnonce="abc", opaque="$c->{opaque}", algorithm=SHA-256};
my $resp = 'response="' . ('0' x 64) . '"';

my @cases = (
    ['unterminated quote',        qq{Digest username="dora, $resp}],
    ['duplicate username',        qq{Digest username="a", $base, $resp}],
    ['duplicate response',        qq{Digest $base, $resp, $resp}],
    ['missing username',          qq{Digest realm="$realm", nonce="$n", uri="/digest/shaonly/", $resp}],
    ['missing realm',             qq{Digest username="dora", nonce="$n", uri="/digest/shaonly/", $resp}],
    ['missing nonce',             qq{Digest username="dora", realm="$realm", uri="/digest/shaonly/", $resp}],
    ['missing uri',               qq{Digest username="dora", realm="$realm", nonce="$n", $resp}],
    ['missing response',          qq{Digest $base}],
    ['qop without nc',            qq{Digest username="dora", realm="$realm", nonce="$n", uri="/digest/shaonly/", qop=auth, cnonce="x", $resp}],
    ['qop without cnonce',        qq{Digest username="dora", realm="$realm", nonce="$n", uri="/digest/shaonly/", qop=auth, nc=00000001, $resp}],
    ['no qop (RFC 2069)',         qq{Digest username="dora", realm="$realm", nonce="$n", uri="/digest/shaonly/", opaque="$c->{opaque}", algorithm=SHA-256, $resp}],
    ['non-hex nc',                qq{Digest } . ($base =~ s/nc=00000001/nc=0000000g/r) . ", $resp"],
    ['short nc',                  qq{Digest } . ($base =~ s/nc=00000001/nc=001/r) . ", $resp"],
    ['nc zero',                   qq{Digest } . ($base =~ s/nc=00000001/nc=00000000/r) . ", $resp"],
    ['response not hex',          qq{Digest $base, response="} . ('z' x 64) . '"'],
    ['response of MD5 length',    qq{Digest $base, response="} . ('0' x 32) . '"'],
    ['huge username',             qq{Digest username="} . ('u' x 2000) . qq{", realm="$realm", nonce="$n", uri="/digest/shaonly/", $resp}],
    ['header over 8 KiB',         qq{Digest $base, x="} . ('y' x 7000) . qq{", $resp}],
    ['unknown qop',               qq{Digest } . ($base =~ s/qop=auth/qop=auth-conf/r) . ", $resp"],
    ['unknown algorithm',         qq{Digest } . ($base =~ s/algorithm=SHA-256/algorithm=SHA-1/r) . ", $resp"],
    ['uri of another resource',   qq{Digest } . ($base =~ s{uri="/digest/shaonly/"}{uri="/etc/passwd"}r) . ", $resp"],
    ['realm of another site',     qq{Digest } . ($base =~ s/realm="[^"]*"/realm="evil"/r) . ", $resp"],
    ['forged nonce',              qq{Digest } . ($base =~ s/nonce="[^"]*"/nonce="AAAAAAAAAAAAAAAAAAAA"/r) . ", $resp"],
    ['opaque not ours',           qq{Digest } . ($base =~ s/opaque="[^"]*"/opaque="zz"/r) . ", $resp"],
    ['missing opaque',            qq{Digest } . ($base =~ s/, opaque="[^"]*"//r) . ", $resp"],
    ['missing equals',            qq{Digest username, $base, $resp}],
    ['empty parameter name',      qq{Digest ="x", $base, $resp}],
    ['comma only',                'Digest ,,,'],
    ['trailing garbage',          qq{Digest $base, $resp garbage}],
    ['control character',         qq{Digest } . ($base =~ s/cnonce="abc"/cnonce="a\tb"/r) . ", $resp"],
    ['username and username*',    qq{Digest username*=UTF-8''dora, $base, $resp}],
    ['bad username* encoding',    qq{Digest username*=latin1''d%F6ra, realm="$realm", nonce="$n", uri="/digest/shaonly/", $resp}],
    ['userhash with no user file match', qq{Digest } . ($base =~ s/username="dora"/username="} . ('a' x 64) . '"/r) . qq{, userhash=true, $resp}],
    ['scheme only',               'Digest'],
    ['wrong password (well formed)', qq{Digest $base, $resp}],
);

plan tests => 3 * @cases;

for my $case (@cases) {
    my ($name, $auth) = @$case;
    t_start_error_log_watch();
    my $res = Apache::TestRequest::GET('/digest/shaonly/', Authorization => $auth);
    select undef, undef, undef, 0.05;
    my @log = t_finish_error_log_watch();
    ok($res->code == 400 || $res->code == 401, "$name: clean 400/401 (got " . $res->code . ')');
    ok(scalar(grep { /\[(authcache|core|http):/ } @log), "$name: logged") or diag "log: @log";
    my ($fresh) = grep { $_->{algorithm} eq 'SHA-256' }
                  digest_challenges(Apache::TestRequest::GET('/digest/shaonly/'));
    is(Apache::TestRequest::GET('/digest/shaonly/', Authorization =>
        digest_authorization(%ok, challenge => $fresh))->code, 200, "$name: good logons still work");
}
