# SPDX-License-Identifier: Apache-2.0
# What a domain test (t/domain/*.pl, run as root by build/test against
# build/samba-dc's DC) needs: the DC's tools and an httpd of its own,
# running as root with children as nobody, stopped when the test ends.
package AuthCacheDomain;
use strict;
use warnings FATAL => 'all';
use Exporter 'import';
use File::Temp qw(tempdir);
use IO::Socket::INET ();
use JSON::PP ();
use LWP::UserAgent ();

our @EXPORT = qw(dc_user authcount domain_httpd);

my $top = $ENV{AUTHCACHE_TOP} or die "AUTHCACHE_TOP not set";
my $dc = $ENV{AUTHCACHE_DC_DIR} or die "AUTHCACHE_DC_DIR not set: start build/samba-dc";
my $samba = "$top/build/samba-dc";
my $httpd = $ENV{AUTHCACHE_HTTPD} // '/usr/sbin/apache2';
my $moddir = $ENV{AUTHCACHE_MODDIR} // '/usr/lib/apache2/modules';
my @running;

sub dc_user { system($samba, 'user', $dc, @_) == 0 or die "samba-dc user @_" }
sub authcount { my $n = `$samba authcount $dc`; chomp $n; $n =~ /^\d+$/ or die "authcount: $n"; $n }

# domain_httpd(\@dirs, @config): an httpd on a free loopback port serving
# a directory per name in @dirs, with @config after the common part and a
# status page; returns (its directory, base URL, counters sub)
sub domain_httpd {
    my ($dirs, @config) = @_;
    my $dir = tempdir(CLEANUP => 1);
    chmod 0755, $dir;
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1', LocalPort => 0);
    my $port = $s->sockport;
    close $s;
    mkdir "$dir/htdocs";
    for my $d (@$dirs) {
        mkdir "$dir/htdocs/$d";
        open my $f, '>', "$dir/htdocs/$d/index.html" or die; print $f "$d\n"; close $f;
    }
    chmod 0755, "$dir/htdocs", glob("$dir/htdocs/*");
    open my $fh, '>', "$dir/httpd.conf" or die;
    print $fh join "\n",
        (map { "LoadModule ${_}_module $moddir/mod_$_.so" }
             qw(mpm_event authn_core authz_core authz_user socache_shmcb headers dir)),
        "LoadModule authcache_module $top/mod_authcache/.libs/mod_authcache.so",
        'User nobody', 'Group nogroup', 'ServerName localhost',
        "ServerRoot $dir", "PidFile $dir/httpd.pid", "ErrorLog $dir/error_log",
        "DefaultRuntimeDir $dir", "Listen 127.0.0.1:$port", "DocumentRoot $dir/htdocs",
        'LogLevel info authcache:debug', 'KeepAlive On', 'MaxKeepAliveRequests 0',
        'DirectoryIndex index.html', @config,
        '<Location /authcache-status>', 'SetHandler authcache-status',
        'Require all granted', '</Location>', '';
    close $fh;
    system($httpd, '-f', "$dir/httpd.conf", '-k', 'start') == 0 or die 'httpd start';
    push @running, $dir;
    my $base = "http://localhost:$port";
    my $ua = LWP::UserAgent->new(timeout => 10);
    for (1 .. 50) { last if $ua->get("$base/authcache-status?json")->is_success; select undef, undef, undef, 0.1 }
    return ($dir, $base, sub { JSON::PP::decode_json($ua->get("$base/authcache-status?json")->content) });
}

END { system($httpd, '-f', "$_/httpd.conf", '-k', 'stop') for grep { -e "$_/httpd.pid" } @running }

1;
