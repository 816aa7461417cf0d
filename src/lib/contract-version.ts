export { serverUrl as CONTRACT_SERVER_URL, version as CONTRACT_VERSION } from '../../generated/contract-version.json';
