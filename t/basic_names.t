# SPDX-License-Identifier: Apache-2.0
# User/domain splitting, the case-sensitivity trap, and context separation.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use AuthCacheTest;

plan tests => 20;

write_users('users-a', nina => 'Nina-pass1', 'EXAMPLE\\dave' => 'Dave-pass1',
            'erin@example.test' => 'Erin-pass1', olga => 'Olga-a');
write_users('users-b', nina => 'Nina-other', olga => 'Olga-b');
my ($res, $d);

# splitting, seen through ap_expr (note() and env())
$res = basic_get('/basic/', 'nina', 'Nina-pass1');
is($res->header('X-Expr'), '0/basic-token/EXAMPLE/nina',
   'plain name takes AuthCacheDefaultDomain');
$res = basic_get('/basic/', 'EXAMPLE\\dave', 'Dave-pass1');
is($res->header('X-Expr'), '0/basic-token/EXAMPLE/dave', 'DOMAIN\\user split');
$res = basic_get('/basic/', 'erin@example.test', 'Erin-pass1');
is($res->header('X-Expr'), '0/basic-token/example.test/erin', 'user@domain split');
$res = basic_get('/basic/', 'erin@example.test', 'Erin-pass1');
is($res->header('X-Expr'), '1/basic-token/example.test/erin',
   'user@domain served from the cache');

# the trap: names the backend rejects never ride on nina's entry
basic_get('/basic/', 'nina', 'Nina-pass1');
for my $alias ('NINA', 'Nina', 'EXAMPLE\\nina', 'nina@EXAMPLE', 'example\\nina') {
    $d = counter_delta(sub { $res = basic_get('/basic/', $alias, 'Nina-pass1') });
    is($res->code, 401, "'$alias' is refused though 'nina' is cached");
}
$d = counter_delta(sub { $res = basic_get('/basic/', 'NINA', 'Nina-pass1') });
is($d->{backend_calls}, 1, 'the backend, not the cache, decided about NINA');

# and dave's entry does not serve a plain 'dave' (default domain EXAMPLE)
$res = basic_get('/basic/', 'dave', 'Dave-pass1');
is($res->code, 401, "plain 'dave' does not ride on 'EXAMPLE\\dave'");

# locations with different backends do not share entries
basic_get('/basic/', 'olga', 'Olga-a') for 1 .. 2;
$res = basic_get('/other/', 'olga', 'Olga-a');
is($res->code, 401, "backend A's cached password does not open backend B");
$res = basic_get('/other/', 'olga', 'Olga-b');
is($res->code, 200, "backend B's own password works there");
is($res->header('X-Cached'), '0', 'first use at B is a miss despite the entry at A');
$res = basic_get('/basic/', 'olga', 'Olga-b');
is($res->code, 401, "and B's password does not open A");
$res = basic_get('/basic/', 'olga', 'Olga-a');
is($res->header('X-Cached'), '1', "A's entry is untouched by B");

# AuthCacheContext: two locations share on purpose
$d = counter_delta(sub { $res = basic_get('/shared1/', 'nina', 'Nina-pass1') });
is($res->header('X-Cached'), '0', 'first login in the shared context');
$d = counter_delta(sub { $res = basic_get('/shared2/', 'nina', 'Nina-pass1') });
is($res->header('X-Cached'), '1', 'the other location of the context hits it');
is($d->{backend_calls}, 0, 'without asking the backend');
is($res->code, 200, 'and grants');
