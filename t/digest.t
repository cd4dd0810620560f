# SPDX-License-Identifier: Apache-2.0
# Digest with the shared security-context cache: real clients (curl,
# python requests, LWP) and a hand-driven RFC 7616 client for replay,
# moved nonces, stale nonces, auth-int, userhash and downgrades.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use Apache::TestUtil qw(t_start_error_log_watch t_finish_error_log_watch);
use LWP::UserAgent ();
use lib 't/lib';
use AuthCacheTest;

plan tests => 53;

my $realm = 'digest@test';
write_digest_users($realm, dora => 'D0ra-digest', eve => 'Eve-digest');
my $hp = Apache::TestRequest::hostport();
my (@r, $d, $res);

sub curl_digest {   # [options], urls: a list of "code|cached|user"
    my ($opts, @urls) = @_;
    my @cmd = ('curl', '-s', '--digest', @$opts,
               map { ('-o', '/dev/null', '-w',
                      '%{http_code}|%header{X-Cached}|%header{X-User}\n',
                      "http://$hp$_") } @urls);
    open my $fh, '-|', @cmd or die $!;
    my @out = map { chomp; $_ } <$fh>;
    close $fh;
    return @out;
}

# the challenge: one per algorithm, strongest first, one opaque
$res = Apache::TestRequest::GET('/digest/');
my @ch = digest_challenges($res);
is($res->code, 401, 'no credentials: 401');
is_deeply([map { $_->{algorithm} } @ch], ['SHA-512-256', 'SHA-256', 'MD5'],
          'one challenge per algorithm, strongest first');
is(scalar(keys %{{ map { $_->{opaque} => 1 } @ch }}), 1, 'one opaque for all');
ok((grep { $_->{userhash} eq 'true' && $_->{charset} eq 'UTF-8'
           && $_->{qop} eq 'auth, auth-int' } @ch) == 3,
   'userhash=true, charset=UTF-8, qop auth and auth-int');

# curl --digest (SHA-256 and MD5 challenges; curl 7.88 computes
# "SHA-512-256" with SHA-256, so it is not offered to it). curl starts
# every URL with a fresh challenge: each is a logon of its own.
$d = counter_delta(sub { @r = curl_digest(['-u', 'dora:D0ra-digest'], '/digest/shaonly/', '/digest/shaonly/') });
is_deeply(\@r, ['200|0|dora', '200|0|dora'], 'curl: SHA-256 logons');
is($d->{digest_logons}, 2, 'curl: a backend lookup per fresh challenge');
$d = counter_delta(sub { @r = curl_digest(['-u', 'dora:D0ra-digest'], '/digest-md5/') });
is_deeply(\@r, ['200|0|'], 'curl: MD5 from an htdigest file (mod_authn_file)');
is($d->{digest_logons}, 1, 'curl MD5: one realm-hash lookup');
@r = curl_digest(['-u', 'dora:wrong'], '/digest/shaonly/');
like($r[0], qr/^401\|/, 'curl: wrong password refused');
@r = curl_digest(['-u', 'mallory:x'], '/digest/shaonly/');
like($r[0], qr/^401\|/, 'curl: unknown user refused');
@r = curl_digest(['-u', 'dora:wrong'], '/digest-md5/');
like($r[0], qr/^401\|/, 'curl: wrong password refused (MD5)');

# python3 requests HTTPDigestAuth, SHA-256
{
    my $py = q{import requests,sys
from requests.auth import HTTPDigestAuth
s = requests.Session(); s.auth = HTTPDigestAuth("dora", "D0ra-digest")
for i in range(3):
    r = s.get(sys.argv[1]); print(r.status_code, r.headers.get("X-Cached"))};
    open my $fh, '-|', '/usr/bin/python3', '-c', $py, "http://$hp/digest-py/" or die;
    my @out = map { chomp; $_ } <$fh>;
    is_deeply(\@out, ['200 0', '200 1', '200 1'], 'python requests: SHA-256, then cached context');
}

# LWP, MD5
{
    my $ua = LWP::UserAgent->new(keep_alive => 1);
    $ua->credentials($hp, $realm, 'dora', 'D0ra-digest');
    my @res = map { $ua->get("http://$hp/digest-md5/") } 1 .. 3;
    is_deeply([map { $_->code } @res], [200, 200, 200], 'LWP: MD5 logons succeed');
    ok((grep { ($_->header('X-Cached') // '') eq '1' } @res) >= 1,
       'LWP: later requests verified from the cached context');
}

# by hand: a fresh challenge, then exact control over what is sent
sub challenge {
    my ($path, $alg) = @_;
    my ($c) = grep { $_->{algorithm} eq $alg }
              digest_challenges(Apache::TestRequest::GET($path));
    return $c;
}
sub send_auth {
    my ($path, $auth, %o) = @_;
    return $o{body}
        ? Apache::TestRequest::POST($path, Authorization => $auth, content => $o{body})
        : Apache::TestRequest::GET($path, Authorization => $auth);
}
my %dora = (user => 'dora', password => 'D0ra-digest');

my $c = challenge('/digest/', 'SHA-256');
my $auth = digest_authorization(%dora, challenge => $c, uri => '/digest/', nc => 1);
is(send_auth('/digest/', $auth)->code, 200, 'hand client: logon');
$res = send_auth('/digest/', $auth);
is($res->code, 401, 'the same Authorization again (nc replay) is refused');
my @rc = digest_challenges($res);
ok(@rc && !grep({ ($_->{stale} // '') eq 'true' } @rc), '  without stale=true');
is(send_auth('/digest/', digest_authorization(%dora, challenge => $c, uri => '/digest/', nc => 3))->header('X-Cached'),
   '1', 'nc 3 (skipping 2) accepted from the context');
is(send_auth('/digest/', digest_authorization(%dora, challenge => $c, uri => '/digest/', nc => 2))->code,
   200, 'nc 2 arriving late (parallel connection) accepted once');
is(send_auth('/digest/', digest_authorization(%dora, challenge => $c, uri => '/digest/', nc => 2))->code,
   401, 'nc 2 a second time refused');

# a nonce moved to another opaque
my $c2 = challenge('/digest/', 'SHA-256');
is(send_auth('/digest/', digest_authorization(%dora, challenge => $c2, uri => '/digest/', nonce => $c->{nonce}))->code,
   401, 'a nonce moved to another opaque is refused');
is(send_auth('/digest/', digest_authorization(%dora, challenge => $c2, uri => '/digest/', opaque => ('0' x 32)))->code,
   401, 'an opaque we never issued is refused');

# the connection remembers the opaque it checked last: only that exact
# string skips the check, not the same hex in capitals
{
    my $ua = LWP::UserAgent->new(keep_alive => 1);
    my ($k) = grep { $_->{algorithm} eq 'SHA-256' }
              digest_challenges($ua->get("http://$hp/digest/"));
    my %kd = (%dora, challenge => $k, uri => '/digest/');
    is($ua->get("http://$hp/digest/", Authorization => digest_authorization(%kd, nc => 1))->code,
       200, 'keep-alive: logon');
    t_start_error_log_watch();
    is($ua->get("http://$hp/digest/", Authorization =>
           digest_authorization(%kd, nc => 2, opaque => uc $k->{opaque}))->code,
       401, 'keep-alive: the opaque in capitals is refused');
    select undef, undef, undef, 0.05;
    ok((grep { /no opaque of ours/ } t_finish_error_log_watch()),
       '  as no opaque of ours, on the connection that remembers it');
    is($ua->get("http://$hp/digest/", Authorization => digest_authorization(%kd, nc => 3))->code,
       200, 'keep-alive: the right opaque still verifies');
}

# stale nonce (AuthCacheDigestNonceLifetime 2, whole seconds): stale=true,
# then a retry works
my $cs = challenge('/digest/stale/', 'SHA-256');
is(send_auth('/digest/stale/', digest_authorization(%dora, challenge => $cs, uri => '/digest/stale/'))->code,
   200, 'stale location: logon');
# captured on the way: the same nonce used under /digest/ (same realm,
# 300 s nonce lifetime)
my $captured = digest_authorization(%dora, challenge => $cs, uri => '/digest/', nc => 2);
is(send_auth('/digest/', $captured)->code, 200, 'the nonce used in the longer-lived location');
sleep 4;
$res = send_auth('/digest/stale/', digest_authorization(%dora, challenge => $cs, uri => '/digest/stale/', nc => 2));
my @sc = digest_challenges($res);
is($res->code, 401, 'after the nonce lifetime: 401');
ok((grep { ($_->{stale} // '') eq 'true' } @sc) == @sc && @sc, '  with stale=true');
is($sc[0]{opaque}, $cs->{opaque}, '  and the same context (opaque)');
my ($cs2) = grep { $_->{algorithm} eq 'SHA-256' } @sc;
$res = send_auth('/digest/stale/', digest_authorization(%dora, challenge => $cs2, uri => '/digest/stale/'));
is($res->code, 200, 'the silent retry with the new nonce succeeds');
is($res->header('X-Cached'), '1', '  from the same cached context');
# the replay window moved on to the new nonce; the old one, still young
# for /digest/, must not open a fresh window in which the capture fits
t_start_error_log_watch();
$res = send_auth('/digest/', $captured);
is($res->code, 401, 'a captured request on the replaced nonce is refused');
ok(scalar(grep { /a nonce older than the one in use/ } t_finish_error_log_watch()),
   '  logged as an older nonce');

# auth-int: the body is part of the response
$c = challenge('/digest/', 'SHA-256');
$res = send_auth('/digest/', digest_authorization(%dora, challenge => $c, uri => '/digest/',
                 method => 'POST', qop => 'auth-int', body => 'amount=10'), body => 'amount=10');
isnt($res->code, 401, 'auth-int with the right body passes authentication');
$res = send_auth('/digest/', digest_authorization(%dora, challenge => $c, uri => '/digest/', nc => 2,
                 method => 'POST', qop => 'auth-int', body => 'amount=10'), body => 'amount=99');
is($res->code, 401, 'auth-int with a tampered body is refused');

# userhash
$c = challenge('/digest/', 'SHA-512-256');
$res = send_auth('/digest/', digest_authorization(%dora, challenge => $c, uri => '/digest/', userhash => 1));
is($res->code, 200, 'userhash=true logon (SHA-512-256)');
is($res->header('X-User'), 'dora', '  resolved to the user');
$res = send_auth('/digest/', digest_authorization(%dora, challenge => $c, uri => '/digest/', userhash => 1, nc => 2));
is($res->header('X-Cached'), '1', '  and the context is reused');

# downgrades
$c = challenge('/digest/shaonly/', 'SHA-256');
is(send_auth('/digest/shaonly/', digest_authorization(%dora, challenge => $c, uri => '/digest/shaonly/', algorithm => 'MD5'))->code,
   401, 'MD5 where only SHA-256 is offered is refused');
is(send_auth('/digest/shaonly/', digest_authorization(%dora, challenge => $c, uri => '/digest/shaonly/', algorithm => 'SHA-256-sess'))->code,
   401, 'a -sess variant not offered is refused');
$c = challenge('/digest/', 'SHA-256');
my $ok = send_auth('/digest/', digest_authorization(%dora, challenge => $c, uri => '/digest/'));
is($ok->code, 200, 'SHA-256 context established');
is(send_auth('/digest/', digest_authorization(%dora, challenge => $c, uri => '/digest/', nc => 2, algorithm => 'MD5'))->code,
   401, 'the same context answered with MD5 is refused');
$c = challenge('/digest-md5/', 'MD5');
is(send_auth('/digest-md5/', digest_authorization(%dora, challenge => $c, uri => '/digest-md5/', qop => 'auth-int'))->code,
   401, 'auth-int where only auth is offered is refused');

# wrong password, unknown user, uri mismatch, another user's context
$c = challenge('/digest/', 'SHA-256');
is(send_auth('/digest/', digest_authorization(%dora, challenge => $c, uri => '/digest/', password => 'no'))->code,
   401, 'wrong password');
is(send_auth('/digest/', digest_authorization(user => 'zed', password => 'x', challenge => $c, uri => '/digest/'))->code,
   401, 'unknown user');
is(send_auth('/digest/', digest_authorization(%dora, challenge => $c, uri => '/other/'))->code,
   400, 'uri of another resource: 400');
is(send_auth('/digest/', digest_authorization(%dora, challenge => $c, uri => '/digest/'))->code,
   200, 'dora takes the context');
is(send_auth('/digest/', digest_authorization(user => 'eve', password => 'Eve-digest', challenge => $c, uri => '/digest/', nc => 2))->code,
   401, "eve cannot use dora's context (opaque)");

# no stored context: only a first answer (nc 1, young nonce) is taken, so
# a context the store lost cannot be rebuilt from a replayed request
$c = challenge('/digest/', 'SHA-256');
$res = send_auth('/digest/', digest_authorization(%dora, challenge => $c, uri => '/digest/', nc => 5));
my @lost = digest_challenges($res);
is($res->code, 401, 'nc 5 for an opaque with no stored context is refused');
ok(@lost && $lost[0]{stale} eq 'true', '  with stale=true');
isnt($lost[0]{opaque}, $c->{opaque}, '  and a new opaque (a new context)');
