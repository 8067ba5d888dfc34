print('hello from the image role test context')
