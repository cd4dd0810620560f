# SPDX-License-Identifier: Apache-2.0
# Digest through subrequests and internal redirects (issue 11). The uri
# parameter names what the client asked for; a subrequest or internal
# redirect has another URI, and today the module compares with that and
# answers 400. It must compare with the client's request, and
# authentication must run once per client request (a second run would
# also see the nonce count a second time). Clients: curl --digest,
# python requests HTTPDigestAuth and LWP. Shapes: t/conf/extra.conf.in
# (/sr-digest).
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use LWP::UserAgent ();
use lib 't/lib';
use AuthCacheTest;

my @shapes = subreq_shapes('/sr-digest');
plan tests => 6 * @shapes + 6;

my $realm = 'digest@test';
write_digest_users($realm, dora => 'D0ra-digest', eve => 'Eve-digest');
{   # another authority under inc/other: eve only
    open my $fh, '>', users_file('digest-users-other') or die $!;
    print $fh "eve:$realm:MD5:" . digest_h('MD5', "eve:$realm:Eve-digest") . "\n";
}
my $hp = Apache::TestRequest::hostport();
sub want {
    my ($code, $cached, $uri) = @_;
    return "$code cgi user=dora cached=$cached source=digest-context "
         . "as=dora|$realm uri=$uri";
}
my (@r, $d);

# curl answers every URL's challenge afresh: each is a logon
for my $s (@shapes) {
    my ($name, $path, $code) = @$s;
    @r = curl_pages(['--digest', '-u', 'dora:D0ra-digest'], $path);
    is(page_summary($r[0]), want($code, 0, $path), "curl, $name: logon");
}

# python requests: a logon, then a request verified from the context
@r = py_pages('digest', 'dora', 'D0ra-digest', 2, map { $_->[1] } @shapes);
for my $s (@shapes) {
    my ($name, $path, $code) = @$s;
    my ($first, $next) = splice @r, 0, 2;
    is(page_summary($first // {}), want($code, 0, $path), "requests, $name: logon");
    is(page_summary($next // {}), want($code, 1, $path),
       "requests, $name: the next request, from the cached context");
}

# LWP (MD5 only): the same, and authentication once per request
for my $s (@shapes) {
    my ($name, $path, $code) = @$s;
    my $ua = LWP::UserAgent->new(keep_alive => 1);
    $ua->credentials($hp, $realm, 'dora', 'D0ra-digest');
    $d = counter_delta(sub { @r = lwp_pages($ua, $path, $path) });
    is(page_summary($r[0]), want($code, 0, $path), "LWP, $name: logon");
    is(page_summary($r[1]), want($code, 1, $path), "LWP, $name: the next request, from the cached context");
    is("$d->{digest_logons} logon, $d->{digest_context_hits} hit, $d->{digest_replays} replays",
       '1 logon, 1 hit, 0 replays', "LWP, $name: authentication ran once per request");
}

# by hand, one thing changed: the uri is what the client asked for
# (/sr-digest/idx/), not the index file the DirectoryIndex subrequest
# maps it to
my %dora = (user => 'dora', password => 'D0ra-digest');
my ($c) = digest_challenges(Apache::TestRequest::GET('/sr-digest/idx/'));
my $res = Apache::TestRequest::GET('/sr-digest/idx/', Authorization =>
    digest_authorization(%dora, challenge => $c, uri => '/sr-digest/idx/'));
is($res->code, 200, 'by hand: uri of the client\'s request: 200');
($c) = digest_challenges(Apache::TestRequest::GET('/sr-digest/idx/'));
$res = Apache::TestRequest::GET('/sr-digest/idx/', Authorization =>
    digest_authorization(%dora, challenge => $c, uri => '/sr-digest/idx/index.pl'));
is($res->code, 400, 'by hand: uri of the subrequest\'s file instead: 400');
@r = curl_pages(['--digest', '-u', 'dora:wrong'], '/sr-digest/idx/');
is($r[0]{code}, 401, 'wrong password: 401');

# the page that includes sees the same as the included script
@r = py_pages('digest', 'dora', 'D0ra-digest', 2, '/sr-digest/inc/page.shtml');
is(join(' ', map { my $v = page_vars($_->{body});
                   ($v->{'page.REMOTE_USER'} // '-') . '/' . ($v->{'page.AUTHCACHE_CACHED_CRED'} // '-') } @r),
   'dora/0 dora/1', 'mod_include: the including page saw the same user and flag');

# another authority inside the request (inc/other: eve only): dora's
# logon is not carried there
@r = py_pages('digest', 'dora', 'D0ra-digest', 2, '/sr-digest/inc/other.shtml');
for my $i (0, 1) {
    my $v = page_vars($r[$i]{body});
    is(($r[$i]{code} // '?') . ' page=' . ($v->{'page.REMOTE_USER'} // '-') . ' include='
       . ($v->{app} // 'none') . '/' . (($r[$i]{body} // '') =~ /an error occurred/ ? 'refused' : 'granted'),
       '200 page=dora include=none/refused', "other authority, request $i: the include there is refused");
}
