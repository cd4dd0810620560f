# SPDX-License-Identifier: Apache-2.0
# Isolation of the NTLM connection credential (issue 10): after a logon
# at section A, a request on the same keep-alive connection to section B
# is not granted from A's credential: 401 WWW-Authenticate: NTLM, and a
# client that then logs on is verified by B's own authority. For every
# shape that makes A and B (sibling and nested <Location>s, nested
# <Directory>, .htaccess, <Files>, <If>/<ElseIf>/<Else>, name-based
# virtual hosts), a tenant's .htaccess naming its own EXAMPLE\admin, and
# a stray AUTHENTICATE. One section through several URLs, and a section
# that adds only a header, keep the credential. Config:
# t/conf/isolation.conf.in.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use lib 't/lib';
use AuthCacheTest;

# alice is only in A's file, bob only in B's; carol is in both
write_ntlm_file('iso-ntlm-a', alice => 'Alice-a', carol => 'Carol-both');
write_ntlm_file('iso-ntlm-b', bob => 'Bob-b', carol => 'Carol-both');
write_ntlm_file('iso-ntlm-admin', admin => 'Real-admin-1');
write_ntlm_file('iso-ntlm-tenant', admin => 'Tenant-chosen');

my $hp = Apache::TestRequest::hostport();
my $names = vhost_port('iso_names');

# a place: {base, path, host}
sub here { { base => "http://$hp", path => $_[0] } }
sub vh { { base => "http://127.0.0.1:$names", path => $_[0], host => $_[1] } }
my @pairs = (
    ['sibling <Location>s', here('/iso/n/sa/'), here('/iso/n/sb/')],
    ['nested <Location>, child sets AuthNTLMUserFile', here('/iso/n/loc/'), here('/iso/n/loc/sub/')],
    ['nested <Directory>, child sets AuthNTLMUserFile', here('/iso/n/dir/'), here('/iso/n/dir/sub/')],
    ['.htaccess sets AuthNTLMUserFile', here('/iso/n/ht/'), here('/iso/n/ht/sub/')],
    ['<Files> in two <Directory>s', here('/iso/n/fa/secret.txt'), here('/iso/n/fb/secret.txt')],
    ['<If> in two <Location>s', here('/iso/n/ifa/?if'), here('/iso/n/ifb/?if')],
    ['<ElseIf> in two <Location>s', here('/iso/n/ifa/?elseif'), here('/iso/n/ifb/?elseif')],
    ['<Else> in two <Location>s', here('/iso/n/ifa/'), here('/iso/n/ifb/')],
    ['virtual hosts by name', vh('/iso/n/v/', 'a.iso'), vh('/iso/n/v/', 'b.iso')],
);

plan tests => 10 * @pairs + 17;

# steps for ntlm_steps (one connection to the base of the first place)
sub logon {
    my ($at, $user, $pw) = @_;
    return { do => 'logon', path => $at->{path}, user => "EXAMPLE\\$user",
             password => $pw, $at->{host} ? (host => $at->{host}) : () };
}
sub flag { $_[0] eq '1' ? 1 : 0 }   # X-Cached: 0 or absent is 0
sub plain {
    my $at = shift;
    return { do => 'plain', path => $at->{path}, $at->{host} ? (host => $at->{host}) : () };
}

for my $p (@pairs) {
    my ($name, $a, $b) = @$p;
    my @r = ntlm_steps("$a->{base}/", [
        logon($a, 'alice', 'Alice-a'), plain($a), plain($b),
        logon($b, 'alice', 'Alice-a'), logon($b, 'bob', 'Bob-b'), plain($b),
        plain($a)]);
    is("$r[0]{status} $r[0]{user}", '200 EXAMPLE\\alice', "$name: alice logs on at A");
    is("$r[1]{status} $r[1]{cached}", '200 1', "$name: A serves her next request from the connection");
    is($r[2]{status}, 401, "$name: B does not grant A's credential on the same connection");
    is($r[2]{www_authenticate}, 'NTLM', "$name: it asks for a handshake (WWW-Authenticate: NTLM)");
    is($r[3]{status}, 401, "$name: alice's handshake at B is refused by B's file");
    is("$r[4]{status} $r[4]{user}", '200 EXAMPLE\\bob', "$name: bob (B's file) logs on at B");
    is("$r[5]{status} $r[5]{cached}", '200 1', "$name: B serves his next request from the connection");
    is($r[6]{status}, 401, "$name: and A does not grant bob's credential");

    # a real client: curl logs on again by itself when B answers 401
    my @a = ('-u', 'carol:Carol-both', $a->{host} ? ('-H', "Host: $a->{host}") : ());
    my @b = ('-u', 'carol:Carol-both', $b->{host} ? ('-H', "Host: $b->{host}") : ());
    @r = curl_ntlm(\@a, $a->{base} . $a->{path}, '--next', @b, $b->{base} . $b->{path});
    is(join(' ', map { "$_->{code}/" . flag($_->{cached}) } @r), '200/0 200/0',
       "$name: curl, carol at A then B: B authenticated her by a handshake of its own");
    is($r[1]{connects}, '0', "$name: on the same connection");
}

# a tenant's .htaccess with its own EXAMPLE\admin
my @r = ntlm_steps("http://$hp/", [
    { do => 'logon', path => '/iso/n/admin2/', user => 'EXAMPLE\\admin', password => 'Tenant-chosen' },
    { do => 'logon', path => '/iso/n/tenant/', user => 'EXAMPLE\\admin', password => 'Tenant-chosen' },
    { do => 'plain', path => '/iso/n/admin2/' },
    { do => 'logon', path => '/iso/n/admin2/', user => 'EXAMPLE\\admin', password => 'Real-admin-1' },
    { do => 'plain', path => '/iso/n/admin2/' }]);
is($r[0]{status}, 401, "tenant: the tenant's admin password is refused at /admin2");
is("$r[1]{status} $r[1]{user}", '200 EXAMPLE\\admin', "tenant: EXAMPLE\\admin logs on in the tenant's directory");
is($r[2]{status}, 401, "tenant: that credential does not reach /admin2 on the same connection");
is("$r[3]{status} $r[3]{user}", '200 admin@EXAMPLE', 'tenant: the real admin password does');
is("$r[4]{status} $r[4]{cached}", '200 1', '  and is then kept on the connection');

# a stray AUTHENTICATE (no challenge pending) drops the credential
@r = ntlm_steps("http://$hp/", [
    { do => 'logon', path => '/iso/n/app/a/', user => 'EXAMPLE\\alice', password => 'Alice-a' },
    { do => 'stray', path => '/iso/n/app/a/' },
    { do => 'plain', path => '/iso/n/app/a/' },
    { do => 'logon', path => '/iso/n/app/a/', user => 'EXAMPLE\\alice', password => 'Alice-a' }]);
is($r[0]{status}, 200, 'stray: alice logs on');
is($r[1]{status}, 401, 'stray: the same AUTHENTICATE again, with no challenge pending, is refused');
is($r[1]{www_authenticate}, 'NTLM', '  with WWW-Authenticate: NTLM');
is($r[2]{status}, 401, 'stray: and the connection no longer holds her credential');
is($r[3]{status}, 200, 'stray: a new handshake works');

# one section through several URLs, and a <Files> that adds only a header
@r = ntlm_steps("http://$hp/", [
    { do => 'logon', path => '/iso/n/app/a/', user => 'EXAMPLE\\alice', password => 'Alice-a' },
    { do => 'plain', path => '/iso/n/app/b/' },
    { do => 'plain', path => '/iso/n/app/style.css' },
    { do => 'logon', path => '/iso/n/al1/', user => 'EXAMPLE\\alice', password => 'Alice-a' },
    { do => 'plain', path => '/iso/n/al2/' }]);
is("$r[1]{status} $r[1]{cached} $r[1]{user}", '200 1 EXAMPLE\\alice',
   'one <Location>: another URL below it is served from the connection');
is("$r[2]{status} $r[2]{cached}", '200 1', 'a <Files> that sets only a header: no new handshake');
is($r[2]{static}, 'css', '  (its header is there)');
is("$r[4]{status} $r[4]{cached}", '200 1', 'one <Directory> through two Alias URLs: served from the connection');
my $d = counter_delta(sub {
    @r = curl_ntlm(['-u', 'alice:Alice-a'], '/iso/n/app/a/', '/iso/n/app/b/', '/iso/n/app/style.css') });
is(join(' ', map { "$_->{code}/" . flag($_->{cached}) } @r), '200/0 200/1 200/1',
   'curl: one logon, then served from the connection below the same <Location>');
is($d->{ntlm_logons}, 1, '  with one authority call');
is($d->{ntlm_handshakes}, 1, '  and one handshake');
