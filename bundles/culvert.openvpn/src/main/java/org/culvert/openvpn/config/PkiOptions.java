package org.culvert.openvpn.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The certificate options a real client profile carries beyond {@code --ca}/{@code --cert}/{@code --key}:
 * peer checks ({@code --remote-cert-ku}, {@code --remote-cert-eku}, {@code --crl-verify}), other ways
 * to hold our identity ({@code --pkcs12}, an encrypted {@code --key} with {@code --askpass},
 * {@code --extra-certs}) and the {@code --tls-crypt-v2} client key. Part of {@link TlsOptions#pki()}.
 *
 * <p>Immutable, except that the owner may {@link FileContent#wipe() wipe} {@code pkcs12} and
 * {@code tlsCryptV2} once the engine has its own copies. {@link #toString()} never shows key material.
 *
 * @param remoteCertKu {@code --remote-cert-ku} values (hex, as OpenVPN reads them); the peer's key
 *     usage must contain all bits of one of them. Empty without the option, or when given without values
 * @param remoteCertKuRequired {@code --remote-cert-ku} was given: the key usage extension must be present
 * @param remoteCertEku {@code --remote-cert-eku}: an OID in dotted form or an OpenSSL long name
 *     ({@code TLS Web Server Authentication}), as OpenVPN compares it
 * @param crlVerify {@code --crl-verify FILE} (or inline): the PEM CRL(s) as read at parse time; a file is
 *     re-read when it changes, as OpenVPN does before each handshake
 * @param crlVerifyDir {@code --crl-verify DIR dir}: a file named by a certificate's serial number in
 *     decimal revokes it
 * @param pkcs12 {@code --pkcs12}: the PKCS#12 bundle in base64 (as an inline block holds it; a file's bytes
 *     are encoded so). With it, {@link TlsOptions#cert()} and {@link TlsOptions#key()} are empty
 * @param askpass {@code --askpass} was given
 * @param askpassFile {@code --askpass FILE}: the password is the file's first line; empty for
 *     {@code askpass} alone or {@code askpass stdin}, which prompt on the console
 * @param extraCerts {@code --extra-certs}: certificates sent in our chain, never trusted as CAs
 * @param tlsCryptV2 {@code --tls-crypt-v2}: a client key ({@code OpenVPN tls-crypt-v2 client key}), or in
 *     server mode the server key ({@code OpenVPN tls-crypt-v2 server key})
 */
public record PkiOptions(List<Integer> remoteCertKu, boolean remoteCertKuRequired, Optional<String> remoteCertEku,
        Optional<FileContent> crlVerify, Optional<Path> crlVerifyDir, Optional<FileContent> pkcs12, boolean askpass,
        Optional<Path> askpassFile, Optional<FileContent> extraCerts, Optional<FileContent> tlsCryptV2) {

    /** None of these options. */
    public static final PkiOptions NONE = new PkiOptions(List.of(), false, Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty(), false, Optional.empty(), Optional.empty(), Optional.empty());

    public PkiOptions {
        remoteCertKu = List.copyOf(remoteCertKu);
        Objects.requireNonNull(remoteCertEku, "remoteCertEku");
        Objects.requireNonNull(crlVerify, "crlVerify");
        Objects.requireNonNull(crlVerifyDir, "crlVerifyDir");
        Objects.requireNonNull(pkcs12, "pkcs12");
        Objects.requireNonNull(askpassFile, "askpassFile");
        Objects.requireNonNull(extraCerts, "extraCerts");
        Objects.requireNonNull(tlsCryptV2, "tlsCryptV2");
    }

    /** Where the material came from, never its content. */
    @Override
    public String toString() {
        return "PkiOptions[ku=" + remoteCertKu.size() + (remoteCertKuRequired ? " required" : "") + ", eku="
                + remoteCertEku.orElse("-") + ", crl=" + crlVerify.map(FileContent::toString)
                        .orElse(crlVerifyDir.map(d -> d + " dir").orElse("-")) + ", pkcs12="
                + pkcs12.map(FileContent::toString).orElse("-") + ", askpass=" + (askpass
                        ? askpassFile.map(Path::toString).orElse("stdin") : "-") + ", extraCerts="
                + extraCerts.map(FileContent::toString).orElse("-") + ", tlsCryptV2="
                + tlsCryptV2.map(FileContent::toString).orElse("-") + "]";
    }
}
