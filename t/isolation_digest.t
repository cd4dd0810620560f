# SPDX-License-Identifier: Apache-2.0
# Isolation of the Digest security contexts (issue 10): a context opened
# by a logon at section A is not used at section B (same realm, another
# credential file); its opaque there gets a 401 with a fresh challenge,
# for every shape that makes A and B (sibling and nested <Location>s,
# nested <Directory>, .htaccess, <Files>, <If>/<ElseIf>/<Else>, virtual
# hosts by name and by port with one ServerName). One section through
# several URLs still uses the context. Config: t/conf/isolation.conf.in.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use LWP::UserAgent ();
use lib 't/lib';
use AuthCacheTest;

my $realm = 'iso@test';
# dora's password is good only in A's files; carol is in both with one
write_digest_file('iso-digest-a', $realm, dora => 'Dora-a', carol => 'Carol-both');
write_digest_file('iso-digest-b', $realm, carol => 'Carol-both', erin => 'Erin-b');
write_htdigest_file('iso-htdigest-a', $realm, dora => 'Dora-a', carol => 'Carol-both');
write_htdigest_file('iso-htdigest-b', $realm, carol => 'Carol-both', erin => 'Erin-b');

my $hp = Apache::TestRequest::hostport();
my ($names, $pa, $pb) = map { vhost_port($_) } qw(iso_names iso_port_a iso_port_b);

# a place: {base, path, host}; the Digest uri is the path
sub here { { base => "http://$hp", path => $_[0] } }
sub vh { { base => "http://127.0.0.1:$_[0]", path => $_[1], host => $_[2] } }
my @pairs = (   # name, A, B, algorithm
    ['sibling <Location>s', here('/iso/d/sa/'), here('/iso/d/sb/')],
    ['nested <Location>, child sets AuthUserFile', here('/iso/d/loc/'), here('/iso/d/loc/sub/'), 'MD5'],
    ['nested <Directory>, child sets AuthCacheDigestUserFile', here('/iso/d/dir/'), here('/iso/d/dir/sub/')],
    ['.htaccess sets AuthCacheDigestUserFile', here('/iso/d/ht/'), here('/iso/d/ht/sub/')],
    ['<Files> in two <Directory>s', here('/iso/d/fa/secret.txt'), here('/iso/d/fb/secret.txt')],
    ['<If> in two <Location>s', here('/iso/d/ifa/?if'), here('/iso/d/ifb/?if')],
    ['<ElseIf> in two <Location>s', here('/iso/d/ifa/?elseif'), here('/iso/d/ifb/?elseif')],
    ['<Else> in two <Location>s', here('/iso/d/ifa/'), here('/iso/d/ifb/')],
    ['virtual hosts by name', vh($names, '/iso/d/v/', 'a.iso'), vh($names, '/iso/d/v/', 'b.iso')],
    ['virtual hosts by port, one ServerName', vh($pa, '/iso/d/v/'), vh($pb, '/iso/d/v/')],
);

plan tests => 9 * @pairs + 4;

my $ua = LWP::UserAgent->new(keep_alive => 1, timeout => 10);
sub send_at {   # (place, Authorization or undef): the response
    my ($at, $auth) = @_;
    return $ua->get($at->{base} . $at->{path}, $auth ? (Authorization => $auth) : (),
                    $at->{host} ? (Host => $at->{host}) : ());
}
sub challenge_of {   # the challenge of a 401 for the algorithm
    my ($res, $alg) = @_;
    my ($c) = grep { $_->{algorithm} eq $alg } digest_challenges($res);
    return $c;
}
sub challenge { challenge_of(send_at($_[0]), $_[1]) }
sub answer {   # (place, user, password, challenge, nc): the response
    my ($at, $user, $pw, $c, $nc) = @_;
    return send_at($at, digest_authorization(user => $user, password => $pw,
        challenge => $c, uri => $at->{path}, nc => $nc));
}
sub cached { ($_[0]->header('X-Cached') // '') eq '1' ? '1' : '0' }   # 0 or absent: 0

for my $p (@pairs) {
    my ($name, $a, $b, $alg) = @$p;
    $alg //= 'SHA-256';
    is(answer($b, 'dora', 'Dora-a', challenge($b, $alg), 1)->code, 401,
       "$name: A's password refused at B on a fresh logon");
    my $ca = challenge($a, $alg);
    is(answer($a, 'dora', 'Dora-a', $ca, 1)->code, 200, "$name: dora logs on at A");
    is(cached(answer($a, 'dora', 'Dora-a', $ca, 2)), '1',
       "$name: nc 2 at A is verified from the context");
    my $res = answer($b, 'dora', 'Dora-a', $ca, 3);
    is($res->code, 401, "$name: A's opaque at B is refused");
    my $fresh = challenge_of($res, $alg);
    ok($fresh && $fresh->{opaque} ne $ca->{opaque},
       "$name: with a fresh challenge (another opaque)");
    is(cached(answer($a, 'dora', 'Dora-a', $ca, 4)), '1',
       "$name: A's context still works at A");

    my $cc = challenge($a, $alg);
    answer($a, 'carol', 'Carol-both', $cc, 1);
    $res = answer($b, 'carol', 'Carol-both', $cc, 2);
    is($res->code, 401, "$name: carol (in both files): A's opaque refused at B too");
    my $cb = challenge_of($res, $alg) // challenge($b, $alg);   # (if refused as it should be)
    is(answer($b, 'carol', 'Carol-both', $cb, 1)->code, 200,
       "$name: she answers B's fresh challenge and gets in");
    is(cached(answer($b, 'carol', 'Carol-both', $cb, 2)), '1',
       "$name: then B verifies her from its own context");
}

# one section through several URLs uses one context
my $c = challenge(here('/iso/d/app/a/'), 'SHA-256');
is(cached(answer(here('/iso/d/app/a/'), 'carol', 'Carol-both', $c, 1)), '0',
   'one <Location>: the logon asks the file');
is(cached(answer(here('/iso/d/app/b/'), 'carol', 'Carol-both', $c, 2)), '1',
   'one <Location>: another URL below it uses the context');
$c = challenge(here('/iso/d/al1/'), 'SHA-256');
is(cached(answer(here('/iso/d/al1/'), 'carol', 'Carol-both', $c, 1)), '0',
   'one <Directory> through Alias al1: the logon asks the file');
is(cached(answer(here('/iso/d/al2/'), 'carol', 'Carol-both', $c, 2)), '1',
   'the same <Directory> through Alias al2 uses the context');
