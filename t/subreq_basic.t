# SPDX-License-Identifier: Apache-2.0
# Basic through the authcache provider, through subrequests and internal
# redirects (issue 11). A subrequest that runs authentication again finds
# the token the main request just stored, so today the application is
# told AUTHCACHE_CACHED_CRED=1 on the very first login. Authentication
# must run once per client request: the first login on a fresh cache is
# 0 in the page the application produces, later logins 1. Clients: curl
# and LWP. The shapes are in t/conf/extra.conf.in (/sr-basic).
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use LWP::UserAgent ();
use lib 't/lib';
use AuthCacheTest;

my @shapes = subreq_shapes('/sr-basic');
plan tests => 5 * @shapes + 9;

# a user of its own per shape and client: every first login is on a
# fresh cache
my $pw = 'Sr-basic-pw';
my @n = (1 .. @shapes);
write_users('users-sr', (map { ("c$_" => $pw, "l$_" => $pw) } @n),
            carol => 'C4rol-pw', dave => 'D4ve-pw');
write_users('users-sr-other', dave => 'D4ve-pw');
my $hp = Apache::TestRequest::hostport();
sub want {
    my ($code, $user, $cached, $uri) = @_;
    return "$code cgi user=$user cached=$cached source=basic-token "
         . "as=$user|EXAMPLE uri=$uri";
}
my (@r, $d);

# curl: two logins per shape on one connection
for my $i (@n) {
    my ($name, $path, $code) = @{ $shapes[$i - 1] };
    $d = counter_delta(sub { @r = curl_pages(['-u', "c$i:$pw"], $path, $path) });
    is(page_summary($r[0]), want($code, "c$i", 0, $path),
       "curl, $name: the first login");
    is(page_summary($r[1] // {}), want($code, "c$i", 1, $path),
       "curl, $name: the next login, from the cache");
    is("$d->{backend_calls} backend, $d->{basic_hits} hit",
       '1 backend, 1 hit', "curl, $name: authentication ran once per request");
}

# LWP (answers the challenge, then sends the credentials itself)
for my $i (@n) {
    my ($name, $path, $code) = @{ $shapes[$i - 1] };
    my $ua = LWP::UserAgent->new(keep_alive => 1);
    $ua->credentials($hp, 'authcache subrequests', "l$i", $pw);
    @r = lwp_pages($ua, $path, $path);
    is(page_summary($r[0]), want($code, "l$i", 0, $path), "LWP, $name: the first login");
    is(page_summary($r[1]), want($code, "l$i", 1, $path), "LWP, $name: the next login, from the cache");
}

# the page that includes sees the same as the included script
@r = curl_pages(['-u', 'carol:C4rol-pw'], '/sr-basic/inc/page.shtml', '/sr-basic/inc/page.shtml');
is(join(' ', map { my $v = page_vars($_->{body});
                   "$v->{'page.REMOTE_USER'}/$v->{'page.AUTHCACHE_CACHED_CRED'}" } @r),
   'carol/0 carol/1', 'mod_include: the including page saw the same user and flag');

# one thing changed: the wrong password
@r = curl_pages(['-u', 'carol:wrong'], '/sr-basic/idx/');
is($r[0]{code}, 401, 'wrong password: 401');

# another authority inside the request (inc/other: dave only) decides
# afresh: carol is refused there, dave is let in by its own backend
@r = curl_pages(['-u', 'carol:C4rol-pw'], '/sr-basic/inc/other.shtml');
my $v = page_vars($r[0]{body});
is("$r[0]{code} page=" . ($v->{'page.REMOTE_USER'} // '-'), '200 page=carol',
   'other authority: the page itself is carol\'s');
is(($v->{app} // 'none') . ' ' . ($r[0]{body} =~ /an error occurred/ ? 'refused' : 'granted'),
   'none refused', 'other authority: carol is refused in the include there');
$d = counter_delta(sub { @r = curl_pages(['-u', 'dave:D4ve-pw'], '/sr-basic/inc/other.shtml') });
$v = page_vars($r[0]{body});
is(join(' ', map { $v->{$_} // '-' } qw(page.REMOTE_USER REMOTE_USER AUTHCACHE_CACHED_CRED)),
   'dave dave 0', 'other authority: dave is let in there by its own backend');
is($d->{backend_calls}, 2, '  each authority asked once');

# another module's logon inside the request (inc/plain: mod_authn_file on
# its own): the include runs as carol, and none of the variables the
# page's logon (ours) set is left in its environment to speak for it
@r = curl_pages(['-u', 'carol:C4rol-pw'], '/sr-basic/inc/plain.shtml');
$v = page_vars($r[0]{body});
is(join('|', map { $v->{$_} // '-' } qw(page.REMOTE_USER page.AUTHCACHE_CACHED_CRED app REMOTE_USER
                                         AUTHCACHE_CACHED_CRED AUTHCACHE_SOURCE AUTHCACHE_USER
                                         AUTHCACHE_DOMAIN)),
   'carol|1|cgi|carol||||', "another module's logon in an include: none of the page's AUTHCACHE_ variables");
# and none of them answers an authorization rule there: the same
# Require expr on AUTHCACHE_SOURCE lets the include in under our logon
@r = curl_pages(['-u', 'carol:C4rol-pw'], '/sr-basic/inc/gated.shtml');
$v = page_vars($r[0]{body});
is(($v->{app} // 'none') . ' ' . ($v->{AUTHCACHE_SOURCE} // '-'), 'cgi basic-token',
   'Require expr on AUTHCACHE_SOURCE, our logon in the include: granted');
@r = curl_pages(['-u', 'carol:C4rol-pw'], '/sr-basic/inc/plain-gated.shtml');
is($r[0]{body} =~ /an error occurred/ ? 'refused' : 'granted', 'refused',
   '  the same rule under mod_authn_file\'s logon: the page\'s values do not count');
