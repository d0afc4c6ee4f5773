// Several WalletSigners behind one: a node can hold ECDSA wallets (local keys on a devnet) beside FROST
// wallets (dealer shares now, its DKG shares later). A request goes to the first signer that holds
// the wallet; a signer says it does not by throwing UnknownWalletError.
import { UnknownWalletError, type SignRequest, type WalletSigner } from "./wallet-signer.js";
import { toHex } from "../util/hex.js";

export class WalletSignerSet implements WalletSigner {
  constructor(private readonly signers: readonly WalletSigner[]) {}

  async sign(req: SignRequest): Promise<Uint8Array[]> {
    for (const signer of this.signers) {
      try {
        return await signer.sign(req);
      } catch (err) {
        if (!(err instanceof UnknownWalletError)) throw err;
      }
    }
    throw new UnknownWalletError(toHex(req.walletPkh));
  }
}
