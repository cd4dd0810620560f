package AuthCacheTest;
# Helpers shared by the mod_authcache tests: Basic requests through LWP,
# credential files written by htpasswd, and the counters of the status page.
use strict;
use warnings FATAL => 'all';

use Apache::Test ();
use Apache::TestRequest ();
use File::Path qw(make_path);
use JSON::PP ();
use MIME::Base64 qw(encode_base64);
use Exporter 'import';

our @EXPORT = qw(basic_get raw_auth_get write_users counters counter_delta
                 users_file authcache_log_lines);

sub users_file {
    my $name = shift;
    my $dir = Apache::Test::vars('serverroot') . '/run';
    make_path($dir);
    return "$dir/$name";
}

# write_users('users-a', alice => 'pw', ...): a bcrypt file made by the
# real htpasswd tool (cost 4: fast enough for tests, same code path).
sub write_users {
    my ($name, %users) = @_;
    my $file = users_file($name);
    my $tmp = "$file.tmp";
    unlink $tmp;
    for my $u (sort keys %users) {
        my @cmd = ('htpasswd', '-b', '-B', '-C', '4', (-e $tmp ? () : '-c'),
                   $tmp, $u, $users{$u});
        system(@cmd) == 0 or die "htpasswd failed: @cmd";
    }
    rename $tmp, $file or die "rename $tmp: $!";
    return $file;
}

# GET with Basic credentials; returns the HTTP::Response.
sub basic_get {
    my ($path, $user, $pw, @headers) = @_;
    return raw_auth_get($path,
        'Basic ' . encode_base64("$user:$pw", ''), @headers);
}

sub raw_auth_get {
    my ($path, $auth, @headers) = @_;
    return Apache::TestRequest::GET($path, Authorization => $auth, @headers);
}

sub counters {
    my $res = Apache::TestRequest::GET('/authcache-status?json');
    die 'status page: ' . $res->status_line unless $res->is_success;
    return JSON::PP::decode_json($res->content);
}

# counter_delta(sub { ... }): runs the code, returns after-minus-before
# for every counter.
sub counter_delta {
    my $code = shift;
    my $before = counters();
    $code->();
    my $after = counters();
    return { map { $_ => ($after->{$_} =~ /^\d+$/
                          ? $after->{$_} - $before->{$_} : $after->{$_}) }
             keys %$after };
}

sub authcache_log_lines {
    my $file = Apache::Test::vars('serverroot') . '/logs/authcache_log';
    open my $fh, '<', $file or return ();
    return <$fh>;
}

1;
