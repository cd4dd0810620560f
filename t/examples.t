# SPDX-License-Identifier: Apache-2.0
# Every example config in examples/ passes httpd's syntax check with
# mod_authcache and the suite's modules loaded, in each of its variants
# (as written, and with -D AUTHCACHE_NTLM / -D AUTHCACHE_DIGEST where it
# has them). The stack
# examples are also run for real by t/stack_*.t.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use AuthCacheTest;

my $top = Apache::Test::vars('top_dir');
my @examples = map { s{.*/}{}r } sort glob("$top/examples/*.conf");
# the variants an example offers: as written, and each -D it tests
my %variants = map {
    my $text = slurp("$top/examples/$_");
    ($_ => ['', grep { $text =~ /<IfDefine $_>/ } qw(AUTHCACHE_NTLM AUTHCACHE_DIGEST)]);
} @examples;
my $checks = 0;
$checks += @$_ for values %variants;
plan tests => 2 + $checks;

ok(@examples >= 6, 'the examples are there: ' . join(' ', @examples));
is(join(' ', map { "$_=" . @{ $variants{$_} } } grep { /^stack-/ } @examples),
   'stack-cgi.conf=3 stack-php-fpm.conf=3 stack-proxy.conf=3',
   'each stack example has its Basic, NTLM and Digest variants');
my $dir = Apache::Test::vars('serverroot') . '/examples-check';
for my $ex (@examples) {
    for my $def (@{ $variants{$ex} }) {
        my $root = "$dir/$ex" . ($def ? "-$def" : '');
        side_conf($root, 'Listen 127.0.0.1:' . free_port(),
                  ($def ? "Define $def" : ()), "Include $top/examples/$ex");
        my ($ok, $out) = side_ctl($root, 'test');
        ok($ok && $out =~ /Syntax OK/, "$ex" . ($def ? " with $def" : '') . ': httpd -t')
            or diag($out);
    }
}
