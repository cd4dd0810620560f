# SPDX-License-Identifier: Apache-2.0
# The Basic token cache: miss, hit without the backend, wrong password,
# password change, failed logins, and a backend that is gone.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use lib 't/lib';
use AuthCacheTest;

plan tests => 27;

my $file = write_users('users-a', amy => 'Amy-pass1', ben => 'Ben-pass1');

# 1. first request: the backend decides, the entry is stored
my $res;
my $d = counter_delta(sub { $res = basic_get('/basic/', 'amy', 'Amy-pass1') });
is($res->code, 200, 'first login succeeds');
is($res->header('X-Cached'), '0', 'first login is not from the cache');
is($d->{backend_calls}, 1, 'first login asks the backend once');
is($d->{stores}, 1, 'and stores one entry');

# 2. second request: from the cache, no backend call
$d = counter_delta(sub { $res = basic_get('/basic/', 'amy', 'Amy-pass1') });
is($res->code, 200, 'second login succeeds');
is($res->header('X-Cached'), '1', 'second login is served from the cache');
is($d->{backend_calls}, 0, 'no backend call on a hit');
is($d->{basic_hits}, 1, 'hit counted');

# 3. proof from the outside: with the credential file gone, the cached
# user still gets in and an uncached one does not
rename $file, "$file.away" or die $!;
$res = basic_get('/basic/', 'amy', 'Amy-pass1');
is($res->code, 200, 'cached user gets in while the backend file is missing');
$res = basic_get('/basic/', 'ben', 'Ben-pass1');
isnt($res->code, 200, 'uncached user does not: the backend really decides misses');
rename "$file.away", $file or die $!;

# 4. wrong password on a cached user: backend asked, denied, entry kept
$d = counter_delta(sub { $res = basic_get('/basic/', 'amy', 'wrong') });
is($res->code, 401, 'wrong password on a cached user is refused');
is($d->{backend_calls}, 1, 'the backend was asked about the other password');
is($d->{stores} + $d->{replacements}, 0, 'a failed login stores nothing');
$res = basic_get('/basic/', 'amy', 'Amy-pass1');
is($res->header('X-Cached'), '1', 'the entry survived the failed login');

# 5. failed logins never create entries
$d = counter_delta(sub {
    basic_get('/basic/', 'nobody-here', 'x') for 1 .. 3;
    $res = basic_get('/basic/', 'ben', 'bad');
});
is($res->code, 401, 'unknown users and bad passwords are refused');
is($d->{stores}, 0, 'no entry created by failed logins');
is($d->{denials}, 4, 'four denials counted');

# 6. password change: the new one works at once, the old one stops at once
write_users('users-a', amy => 'Amy-pass2', ben => 'Ben-pass1');
$d = counter_delta(sub { $res = basic_get('/basic/', 'amy', 'Amy-pass2') });
is($res->code, 200, 'new password accepted at once');
is($res->header('X-Cached'), '0', 'new password checked by the backend');
is($d->{replacements}, 1, 'entry replaced');
$res = basic_get('/basic/', 'amy', 'Amy-pass1');
is($res->code, 401, 'old password refused at once after the change');
$res = basic_get('/basic/', 'amy', 'Amy-pass2');
is($res->header('X-Cached'), '1', 'new password now served from the cache');

# 7. keep-alive connections each remember their last token; a change made
# on one connection is seen by the other at once (shared generation)
my $ua1 = Apache::TestRequest::user_agent(reset => 1, keep_alive => 1);
my $ua2 = LWP::UserAgent->new(keep_alive => 1);
my $url = Apache::TestRequest::resolve_url('/basic/');
use MIME::Base64 qw(encode_base64);
my $auth = sub { ('Authorization' => 'Basic ' . encode_base64(shift, '')) };
$ua1->get($url, $auth->('amy:Amy-pass2')) for 1 .. 2;
is($ua2->get($url, $auth->('amy:Amy-pass2'))->header('X-Cached'), '1',
   'second connection hits the cache');
write_users('users-a', amy => 'Amy-pass3', ben => 'Ben-pass1');
is($ua1->get($url, $auth->('amy:Amy-pass3'))->code, 200,
   'password changed through connection 1');
is($ua2->get($url, $auth->('amy:Amy-pass2'))->code, 401,
   'connection 2 refuses the old password at once');
is($ua1->get($url, $auth->('amy:Amy-pass2'))->code, 401,
   'connection 1 refuses the old password too');
is($ua2->get($url, $auth->('amy:Amy-pass3'))->header('X-Cached'), '1',
   'connection 2 gets the new password from the cache');
