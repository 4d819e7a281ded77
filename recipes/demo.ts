// Placeholder until the recipes land (issue 7): `npm start` will run the local demo here.
console.log('serverless-done-right: the local demo (npm start) arrives with the recipes; nothing to run yet.')
