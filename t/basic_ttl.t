# SPDX-License-Identifier: Apache-2.0
# TTL: expiry, 0 = off, and inheritance/override in nested sections.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use AuthCacheTest;

plan tests => 12;

write_users('users-a', tess => 'Tess-pass1');
my ($res, $d);

# AuthCacheBasicTTL 2
basic_get('/short/', 'tess', 'Tess-pass1');
$res = basic_get('/short/', 'tess', 'Tess-pass1');
is($res->header('X-Cached'), '1', 'cached within the TTL');
sleep 3;
$d = counter_delta(sub { $res = basic_get('/short/', 'tess', 'Tess-pass1') });
is($res->code, 200, 'login after the TTL succeeds');
is($res->header('X-Cached'), '0', 'an expired entry is not used');
is($d->{backend_calls}, 1, 'the backend is asked again after the TTL');

# AuthCacheBasicTTL 0: never cached
basic_get('/nocache/', 'tess', 'Tess-pass1');
$d = counter_delta(sub { $res = basic_get('/nocache/', 'tess', 'Tess-pass1') });
is($res->header('X-Cached'), '0', 'TTL 0: not served from the cache');
is($d->{backend_calls}, 1, 'TTL 0: backend asked every time');
is($d->{stores}, 0, 'TTL 0: nothing stored');

# nested: a child setting the default value (900) overrides the parent's 2
basic_get('/short/dflt/', 'tess', 'Tess-pass1');
sleep 3;
$res = basic_get('/short/dflt/', 'tess', 'Tess-pass1');
is($res->header('X-Cached'), '1',
   'explicit default TTL in a child section overrides the parent');

# nested: a child enabling caching under a parent with TTL 0
basic_get('/ttl0/child/', 'tess', 'Tess-pass1');
$res = basic_get('/ttl0/child/', 'tess', 'Tess-pass1');
is($res->header('X-Cached'), '1', 'child with TTL 60 caches under a TTL 0 parent');
is($res->code, 200, 'and inherits the parent\'s provider settings');

# nested: a child that sets nothing inherits TTL 0
basic_get('/ttl0/inherit/', 'tess', 'Tess-pass1');
$res = basic_get('/ttl0/inherit/', 'tess', 'Tess-pass1');
is($res->header('X-Cached'), '0', 'child without a TTL inherits TTL 0');
is($res->code, 200, 'and still authenticates');
