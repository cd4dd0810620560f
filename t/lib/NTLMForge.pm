# SPDX-License-Identifier: Apache-2.0
package NTLMForge;
# A test-side NTLMv2 client, written from MS-NLMP and independent of the
# module: it answers a real CHALLENGE with a correct AUTHENTICATE (NTLMv2
# proof from the password, session base key, MIC), and lets a test change
# exactly one field of it. Also the channel bindings a client computes for
# a certificate (RFC 5929 tls-server-end-point, MD5 of the
# gss_channel_bindings structure), and one HTTP request on an open socket.
use strict;
use warnings FATAL => 'all';

use Digest::HMAC_MD5 qw(hmac_md5);
use Digest::MD5 qw(md5);
use Digest::SHA ();
use Encode qw(encode);
use IPC::Open2 qw(open2);
use MIME::Base64 qw(encode_base64 decode_base64);
use Exporter 'import';

our @EXPORT_OK = qw(nt_hash type1 parse_challenge av_parse av_pack type3
                    filetime tls_bindings gss_md5 u16 ntlm_request b64
                    challenge_of AV_TIMESTAMP AV_FLAGS AV_TARGET_NAME
                    AV_BINDINGS AV_NB_COMPUTER F_UNICODE F_OEM F_SIGN F_SEAL
                    F_LM_KEY F_NTLM F_ANON F_KEY_EXCH F_ALWAYS_SIGN F_ESS
                    F_TARGET_INFO F_VERSION F_128 F_56 F_REQ_TARGET);
our %EXPORT_TAGS = (all => \@EXPORT_OK);

use constant {
    F_UNICODE => 0x1, F_OEM => 0x2, F_REQ_TARGET => 0x4, F_SIGN => 0x10,
    F_SEAL => 0x20, F_LM_KEY => 0x80, F_NTLM => 0x200, F_ANON => 0x800,
    F_ALWAYS_SIGN => 0x8000, F_ESS => 0x80000, F_TARGET_INFO => 0x800000,
    F_VERSION => 0x2000000, F_128 => 0x20000000, F_KEY_EXCH => 0x40000000,
    F_56 => 0x80000000,
    AV_NB_COMPUTER => 1, AV_FLAGS => 6, AV_TIMESTAMP => 7,
    AV_TARGET_NAME => 9, AV_BINDINGS => 10,
};

sub u16 { encode('UTF-16LE', shift) }
sub b64 { 'NTLM ' . encode_base64(shift, '') }

# now (or a Unix time) as a FILETIME: 100 ns since 1601-01-01
sub filetime { my $t = shift // time; ($t + 11644473600) * 10000000 }

# NT hash: MD4 of the UTF-16LE password, from OpenSSL's legacy provider
# (OPENSSL_CONF from AuthCacheTest::openssl_legacy_conf)
sub nt_hash {
    my ($password, $openssl_conf) = @_;
    local $ENV{OPENSSL_CONF} = $openssl_conf;
    my $pid = open2(my $out, my $in, 'openssl', 'dgst', '-md4', '-binary');
    binmode $_ for $in, $out;
    print $in u16($password);
    close $in;
    local $/;
    my $h = <$out>;
    waitpid $pid, 0;
    die "openssl md4 failed" unless $? == 0 && length($h // '') == 16;
    return $h;
}

# NEGOTIATE of 40 bytes (empty domain and workstation, a Version)
sub type1 {
    my $flags = shift // (F_UNICODE | F_OEM | F_REQ_TARGET | F_NTLM
        | F_ALWAYS_SIGN | F_ESS | F_TARGET_INFO | F_VERSION | F_128 | F_56);
    return "NTLMSSP\0" . pack('V V v v V v v V', 1, $flags, 0, 0, 40, 0, 0, 40)
         . pack('C C v x3 C', 10, 0, 19041, 15);
}

sub av_parse {   # [[id, value], ...] without the EOL
    my $b = shift;
    my @p;
    while (length $b >= 4) {
        my ($id, $n) = unpack 'v v', $b;
        last if $id == 0;
        push @p, [$id, substr($b, 4, $n)];
        $b = substr $b, 4 + $n;
    }
    return \@p;
}

sub av_pack { join('', map { pack('v v', $_->[0], length $_->[1]) . $_->[1] } @_) . pack('v v', 0, 0) }

sub parse_challenge {
    my $m = shift;
    my ($len, $off) = unpack 'v x2 V', substr($m, 40, 8);
    my $c = { raw => $m, flags => unpack('V', substr($m, 20, 4)),
              challenge => substr($m, 24, 8),
              pairs => av_parse(substr($m, $off, $len)) };
    ($c->{timestamp}) = map { unpack 'Q<', $_->[1] }
                        grep { $_->[0] == AV_TIMESTAMP } @{ $c->{pairs} };
    return $c;
}

# the CHALLENGE in a 401's headers
sub challenge_of {
    my $head = shift;
    my ($b) = $head =~ /^WWW-Authenticate: NTLM (\S+)/mi or return undef;
    return decode_base64($b);
}

sub gss_md5 { my $app = shift; md5(pack('V5', 0, 0, 0, 0, length $app) . $app) }

# MsvAvChannelBindings for a certificate (DER) signed with SHA-256 or a
# weaker hash: RFC 5929 tls-server-end-point is then SHA-256 of the DER
sub tls_bindings {
    my ($der, $hash) = @_;
    my $h = ($hash // 'sha256') eq 'sha384' ? Digest::SHA::sha384($der)
                                             : Digest::SHA::sha256($der);
    return gss_md5("tls-server-end-point:$h");
}

# type3(neg => NEGOTIATE bytes, chal => CHALLENGE bytes, nt_hash => ...,
#   user, domain, ws, plus what to do differently from a correct client:
#   seen => sub { pairs } (the CHALLENGE's AV pairs as the client saw
#           them: a man in the middle's edit), pairs => sub { pairs } (the
#           client's final list), time => TimeStamp, target => SPN,
#           cb => 16 bytes, mic => 0|1 (default: when the client saw an
#           MsvAvTimestamp), flags => the AUTHENTICATE's (default: the
#           CHALLENGE's), bad_proof => 1, mutate => sub { $msg } applied
#           last (after the MIC), hdr => { field => [len, max, off] },
#           user_raw => UTF-16LE bytes of the user (any units, uppercased
#           for NTOWFv2 as Windows does ASCII), resp_type => [RespType,
#           HiRespType], lm => LmChallengeResponse, key => session key)
# Returns the AUTHENTICATE message.
sub type3 {
    my %o = (user => 'alice', domain => 'EXAMPLE', ws => 'PC1', @_);
    my $c = parse_challenge($o{chal});
    my @seen = @{ $c->{pairs} };
    @seen = $o{seen}->(@seen) if $o{seen};
    my ($seen_ts) = map { unpack 'Q<', $_->[1] } grep { $_->[0] == AV_TIMESTAMP } @seen;
    my $mic = $o{mic} // defined $seen_ts;
    my @pairs = @seen;
    push @pairs, [AV_FLAGS, pack('V', 2)] if $mic;
    push @pairs, [AV_BINDINGS, $o{cb}] if defined $o{cb};
    push @pairs, [AV_TARGET_NAME, u16($o{target})] if defined $o{target};
    @pairs = $o{pairs}->(@pairs) if $o{pairs};
    my $time = $o{time} // $seen_ts // filetime();

    my $blob = pack('C C x6 Q<', @{ $o{resp_type} // [1, 1] }, $time)
             . "\x5c\xa1\x1e\x47\x01\x02\x03\x04"
             . pack('x4') . av_pack(@pairs) . pack('x4');
    my $user = $o{user_raw} // u16($o{user});
    my $upper = pack 'v*', map { $_ >= 0x61 && $_ <= 0x7a ? $_ - 0x20 : $_ }
                           unpack 'v*', $user;
    my $ntowf = hmac_md5($upper . u16($o{domain}), $o{nt_hash});
    my $proof = hmac_md5($c->{challenge} . $blob, $ntowf);
    my $sbk = hmac_md5($proof, $ntowf);
    substr($proof, 0, 1) ^= "\x01" if $o{bad_proof};

    my %data = (lm => $o{lm} // '', nt => $proof . $blob,
                dom => u16($o{domain}), user => $user, ws => u16($o{ws}),
                key => $o{key} // '');
    my $header = $mic ? 88 : 72;
    my ($off, $fields, $payload) = ($header, '', '');
    my %at;
    for my $f (qw(dom user ws lm nt key)) {   # Windows' payload order
        $at{$f} = $off;
        $payload .= $data{$f};
        $off += length $data{$f};
    }
    for my $f (qw(lm nt dom user ws key)) {   # header order
        my $len = length $data{$f};
        $fields .= pack 'v v V', @{ $o{hdr}{$f} // [$len, $len, $at{$f}] };
    }
    my $flags = $o{flags} // ($c->{flags} & ~F_OEM);
    my $m = "NTLMSSP\0" . pack('V', 3) . $fields . pack('V', $flags)
          . pack('C C v x3 C', 10, 0, 19041, 15)
          . ($mic ? "\0" x 16 : '') . $payload;
    substr($m, 72, 16) = hmac_md5($o{neg} . $o{chal} . $m, $sbk) if $mic;
    $m = $o{mutate}->($m) if $o{mutate};
    return $m;
}

# one request on an open socket: (status, header text)
sub ntlm_request {
    my ($sock, $host, $path, @auth) = @_;
    my $req = "GET $path HTTP/1.1\r\nHost: $host\r\n";
    $req .= "Authorization: $_\r\n" for @auth;
    print $sock "$req\r\n";
    my $status = <$sock> // '';
    my ($head, $len) = ('', 0);
    while (defined(my $l = <$sock>)) {
        last if $l eq "\r\n";
        $head .= $l;
        $len = $1 if $l =~ /^Content-Length:\s*(\d+)/i;
    }
    read $sock, my $body, $len if $len;
    return ($status =~ m{^HTTP/1\.\d (\d{3})} ? $1 : 'none', $head);
}

1;
