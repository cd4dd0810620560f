# SPDX-License-Identifier: Apache-2.0
# htntlm, the credential tool of AuthNTLMProvider file: create, add,
# update, delete, batch and stdin modes, and the hashes it writes.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use File::Temp qw(tempdir);

plan tests => 15;

my $tool = Apache::Test::vars('top_dir') . '/tools/htntlm';
my $dir = tempdir(CLEANUP => 1);
my $file = "$dir/users";
sub run { my $out = `@_ 2>&1`; return ($? >> 8, $out) }
sub lines { open my $fh, '<', $file or return (); return map { chomp; $_ } <$fh> }

my ($rc, $out) = run($tool, '-b', $file, 'EXAMPLE', 'alice', 'x');
isnt($rc, 0, 'without -c a missing file is an error');
like($out, qr/use -c to create it/, '  saying how to create it');

# MS-NLMP 4.2.1: NTOWFv1("Password") = a4f49c406510bdcab6824ee7c30fd852
($rc, $out) = run($tool, '-c', '-b', $file, 'EXAMPLE', 'alice', 'Password');
is($rc, 0, 'create with -c -b');
is_deeply([lines()], ['alice:EXAMPLE:a4f49c406510bdcab6824ee7c30fd852'],
          'the NT hash of the MS-NLMP test vector');
ok(!((stat $file)[2] & 07), 'the file is not world-readable');

run($tool, '-b', $file, 'EXAMPLE', 'bob', 'B0b');
is(scalar(lines()), 2, 'add a second user');

($rc, $out) = run($tool, '-b', $file, 'EXAMPLE', 'alice', 'Other1');
like($out, qr/Updated EXAMPLE\\alice/, 'update says so');
my @l = lines();
is(scalar(@l), 2, 'update keeps one line per user');
isnt($l[0], 'alice:EXAMPLE:a4f49c406510bdcab6824ee7c30fd852', 'and changes the hash');

($rc, $out) = run("printf 'Password\\n' | $tool -i $file EXAMPLE carol");
is($rc, 0, 'password from standard input (-i)');
ok((grep { $_ eq 'carol:EXAMPLE:a4f49c406510bdcab6824ee7c30fd852' } lines()),
   '  hashed the same as with -b');

($rc, $out) = run($tool, '-D', $file, 'EXAMPLE', 'alice');
ok($rc == 0 && !(grep { /^alice:/ } lines()), 'delete with -D');
($rc, $out) = run($tool, '-D', $file, 'EXAMPLE', 'alice');
isnt($rc, 0, 'deleting a missing user is an error');

($rc, $out) = run($tool, '-b', $file, 'EXAMPLE', 'a:b', 'x');
like($out, qr/USER must not contain ':'/, 'a user with ":" is refused');
($rc, $out) = run($tool, '-b', $file, 'EX:AMPLE', 'dave', 'x');
like($out, qr/DOMAIN must not contain ':'/, 'a domain with ":" is refused');
