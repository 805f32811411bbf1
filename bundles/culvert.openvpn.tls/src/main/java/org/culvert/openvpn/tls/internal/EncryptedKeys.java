package org.culvert.openvpn.tls.internal;

import java.io.IOException;
import java.security.Provider;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMDecryptorProviderBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.pkcs.PKCSException;

/**
 * Unlocks an encrypted {@code --key} with the {@code --askpass} password: PKCS#8
 * ({@code ENCRYPTED PRIVATE KEY}, e.g. PBES2 with AES-256, as {@code openssl rsa -aes256} writes it
 * today) and OpenSSL's traditional form ({@code Proc-Type: 4,ENCRYPTED} with {@code DEK-Info}).
 */
final class EncryptedKeys {
    /** Our own instance, not installed in the JVM: PBES2 and the legacy PEM ciphers come from it. */
    private static final Provider BC = new BouncyCastleProvider();

    private EncryptedKeys() {
    }

    /**
     * @param encrypted a {@link PKCS8EncryptedPrivateKeyInfo} or {@link PEMEncryptedKeyPair} from a PEM parser
     * @param password the password (the caller wipes it), or null when none could be had
     */
    static PrivateKeyInfo decrypt(Object encrypted, char[] password) throws BadOption {
        if (password == null) {
            throw new BadOption("--key", false, "the private key is encrypted and no password was given: add"
                    + " --askpass FILE (a file holding the password on its first line), or run on a terminal to be"
                    + " asked");
        }
        try {
            if (encrypted instanceof PKCS8EncryptedPrivateKeyInfo) {
                return ((PKCS8EncryptedPrivateKeyInfo) encrypted).decryptPrivateKeyInfo(
                        new JceOpenSSLPKCS8DecryptorProviderBuilder().setProvider(BC).build(password));
            }
            return ((PEMEncryptedKeyPair) encrypted).decryptKeyPair(
                    new JcePEMDecryptorProviderBuilder().setProvider(BC).build(password)).getPrivateKeyInfo();
        } catch (PKCSException | IOException | OperatorCreationException | RuntimeException e) {
            // OpenVPN: "Cannot load private key file" after OpenSSL's "bad decrypt".
            throw new BadOption("--key", false, "cannot decrypt the private key: wrong password (--askpass)?");
        }
    }
}
