export { version as CONTRACT_VERSION } from '../../generated/contract-version.json';
