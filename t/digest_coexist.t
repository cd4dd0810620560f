# SPDX-License-Identifier: Apache-2.0
# mod_authcache and mod_auth_digest loaded together: each keeps its own
# locations (precedence: mod_authcache where AuthCacheDigestProvider or
# AuthCacheDigestUserFile is set, mod_auth_digest elsewhere).
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use LWP::UserAgent ();
use lib 't/lib';
use AuthCacheTest;

plan tests => 6;

write_digest_users('digest@test', dora => 'D0ra-digest');
my $hp = Apache::TestRequest::hostport();

my ($ours) = digest_challenges(Apache::TestRequest::GET('/digest-md5/'));
my ($theirs) = digest_challenges(Apache::TestRequest::GET('/md-digest/'));
like($ours->{opaque}, qr/^[0-9a-f]{32}$/, 'our location: our challenge (hex opaque)');
is($ours->{charset}, 'UTF-8', '  with charset=UTF-8');
ok(!defined $theirs->{charset}, "mod_auth_digest's location: its own challenge");

for my $path ('/digest-md5/', '/md-digest/') {
    my $ua = LWP::UserAgent->new(keep_alive => 1);
    $ua->credentials($hp, 'digest@test', 'dora', 'D0ra-digest');
    is($ua->get("http://$hp$path")->code, 200, "LWP logs on at $path");
}
my $d = counter_delta(sub {
    my $ua = LWP::UserAgent->new(keep_alive => 1);
    $ua->credentials($hp, 'digest@test', 'dora', 'D0ra-digest');
    $ua->get("http://$hp/md-digest/") for 1 .. 2;
});
is($d->{digest_challenges} + $d->{digest_logons}, 0,
   "mod_authcache never touched mod_auth_digest's location");
